export { AuditEventValidationError } from '@audit/contract';
export { AuditProducer } from './audit.producer';
export { AuditBufferFullError, AuditProducerClosedError, AuditProducerWorkerError } from './audit-producer.errors';
export {
  AUDIT_PRODUCER_DEFAULTS,
  type AuditEventInput,
  type AuditProducerLogger,
  type AuditProducerMetrics,
  type AuditProducerOptions,
  type BufferFullPolicy,
  type KafkaThread,
  type KafkaProducerLike,
} from './audit-producer.options';
export { AuditModule } from './audit.module';
export { AUDIT_MODULE_OPTIONS, type AuditContextResolver, type AuditModuleAsyncOptions, type AuditModuleOptions, type AuditRequestContext } from './audit-module.options';
export { defaultAuditContext } from './audit-request-context.resolver';
export { Audited } from './audited.decorator';
export { AUDITED_METADATA, type AuditedCall, type AuditedOptions, type ResourceIdSource } from './audited.options';
export { AuditedInterceptor } from './audited.interceptor';
