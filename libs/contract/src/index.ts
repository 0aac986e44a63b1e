export * from './limits';
export { TOP_DIMENSIONS, type TopDimension, type TopValue } from './aggregations.wire';
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
export { SEARCH_KEYS, SEARCH_LIMITS, SEARCH_TEXT_KEYS, SearchSyntaxError, type SearchKey, type SearchPattern, type SearchTerm, type SearchTextKey } from './search/audit-search.query';
export { parseAuditSearch } from './search/audit-search.parser';
export { printAuditSearch } from './search/audit-search.printer';
export { toSearchFilter, type SearchClause, type SearchFilter } from './search/audit-search.filter';
