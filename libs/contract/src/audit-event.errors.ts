import type { Violation } from './audit-event';

/** Thrown where an invalid event is refused outright (the producer's `record()`); lists every violation. */
export class AuditEventValidationError extends Error {
  override readonly name = 'AuditEventValidationError';

  constructor(readonly violations: Violation[]) {
    super(`invalid audit event: ${violations.map((v) => `${v.field}: ${v.message}`).join('; ')}`);
  }
}
