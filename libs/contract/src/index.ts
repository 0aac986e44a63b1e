export * from './limits';
export * from './topics';
export { uuidv7 } from './uuid-v7';
export { AuditActorDto, AuditChangeDto, AuditEventDto, AuditResourceDto, parseOccurredAt } from './audit-event.dto';
export {
  parseAuditEventMessage,
  serializeAuditEvent,
  validateAuditEvent,
  type AuditActor,
  type AuditChange,
  type AuditEvent,
  type AuditResource,
  type ValidationResult,
  type Violation,
} from './audit-event';
export { makeAuditEvent } from './fixtures';
