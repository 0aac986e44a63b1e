export { QueryModule } from './query.module';
export { QueryConfig } from './query.config';
export { QueryHealth } from './health/query.health';
export { setupOpenApi } from './openapi';
export { EXPORT_TRAILERS } from './audit-logs/export.writer';
export { EXPORT_ENCODERS, encodeBatches, type ExportBatch } from './audit-logs/export.format';
export { VerifiedExportEncoder } from './audit-logs/verified-export.encoder';
export type { Principal, Role } from './auth/principal';
export { PublicHttpAdapter } from './http/public-http.adapter';
