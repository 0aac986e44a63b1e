export * from './limits';
export * from './topics';
export { uuidv7 } from './uuid-v7';
export { AuditActorDto, AuditChangeDto, AuditEventDto, AuditResourceDto, NoControlCharacters, parseOccurredAt } from './audit-event.dto';
export {
  parseAuditEventMessage,
  serializeAuditEvent,
  validateAuditEvent,
  validateAuditEventWithClassValidator,
  type AuditActor,
  type AuditChange,
  type AuditEvent,
  type AuditResource,
  type ValidationResult,
  type Violation,
} from './audit-event';
export { AuditEventValidationError } from './audit-event.errors';
export { compileDtoValidator, type DtoValidator } from './dto-validator.compiler';
export { makeAuditEvent } from './fixtures';
export { packStoredLines, splitLines, STORED_HEADERS, type StoredRecord, type StoredRecordKind } from './stored-events.wire';
