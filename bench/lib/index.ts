export { benchRow, writeBenchResults, type BenchRow, type RowInput } from './bench-report';
export { GENERATED_ACTIONS, GENERATED_RESOURCE_TYPES, generateAuditLog, type GeneratedAuditLog } from './generated-audit-log';
export { processMemoryMb, startBuiltApp, stopBuiltApp } from './built-app.process';
export { freePort, metricSum, percentile } from '@audit/testing';
export { produceSteadily, steadyEventCount } from './steady-traffic';
