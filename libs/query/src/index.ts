export { QueryModule } from './query.module';
export { QueryConfig } from './query.config';
export { setupOpenApi } from './openapi';
export { EXPORT_TRAILERS } from './audit-logs/export.writer';
export type { Principal, Role } from './auth/principal';
