export { QueryModule } from './query.module';
export { QueryConfig } from './query.config';
export { QueryLimitsConfig } from './limits/query-limits.config';
export { QueryHealth } from './health/query.health';
export { setupOpenApi } from './openapi';
export { EXPORT_TRAILERS } from './audit-logs/export.writer';
export { EXPORT_ENCODERS, encodeBatches, type ExportBatch } from './audit-logs/export.format';
export { VerifiedExportEncoder } from './audit-logs/verified-export.encoder';
export type { Principal, Role } from './auth/principal';
export { PublicHttpAdapter } from './http/public-http.adapter';
export { LegalHoldService } from './legal-holds/legal-hold.service';
export type { ReadAuditTrail } from './audit-trail/read-audit.trail';
export type { LegalHoldView } from './legal-holds/legal-hold.dto';
// The HTTP building blocks other feature libs reuse for their endpoints (libs/streams): the same
// tokens, roles, validation and error shape as the audit-log endpoints.
export { JwtAuthGuard, type AuthenticatedRequest } from './auth/jwt-auth.guard';
export { queryValidationPipe } from './http/query-validation.pipe';
export { ApiError, forbidden, invalidParameter, type ApiErrorBody } from './http/api-errors';
export { ApiErrorView } from './audit-logs/audit-logs-response.dto';
export { AUDIT_RECORDER, type AuditRecorder } from './audit-trail/read-audit.trail';
