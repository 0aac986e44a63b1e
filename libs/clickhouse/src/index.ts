export { ClickHouseConfig } from './clickhouse.config';
export { createClickHouseClient, type ClickHouseHandle, type ClickHouseMode } from './clickhouse-client.factory';
export { defaultMigrationsDir, loadMigrations, renderMigration, runMigrations, type MigrationOptions, type MigrationReport } from './migration.runner';
export { fromAuditEventRow, fromClickHouseTime, toAuditEventRow, toClickHouseTime, type AuditEventRow, type KafkaLineage } from './audit-event.row';
export { AuditEventsWriteRepository, type InsertOptions } from './audit-events-write.repository';
export { AuditEventsReadRepository, type AuditEventsWindow } from './audit-events-read.repository';
export { ClickHouseModule, CLICKHOUSE } from './clickhouse.module';
