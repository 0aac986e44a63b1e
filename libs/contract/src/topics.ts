/** The main topic: key = organizationId, so one tenant's events keep their order in one partition. */
export const AUDIT_EVENTS_TOPIC = 'audit.events.v1';
/** Where the ingestor puts what it cannot store, with the reason in the headers. */
export const AUDIT_EVENTS_DLQ_TOPIC = 'audit.events.v1.dlq';
/**
 * What the ingestor stored, as it stored it (the projection every outbound stream reads): each
 * record holds chained rows of one organization (key = organizationId) in chain order, or one
 * signed chain checkpoint. Format: `stored-events.wire.ts`.
 */
export const AUDIT_EVENTS_STORED_TOPIC = 'audit.events.v1.stored';

/** Header names on dead-letter records. */
export const DLQ_HEADERS = {
  reason: 'x-audit-dlq-reason',
  violations: 'x-audit-dlq-violations',
  topic: 'x-audit-original-topic',
  partition: 'x-audit-original-partition',
  offset: 'x-audit-original-offset',
  firstSeenAt: 'x-audit-dlq-first-seen-at',
  /**
   * On a quarantine record only: why the dead letter itself could not be published (the broker's
   * refusal, e.g. MESSAGE_TOO_LARGE). Such a record carries no value: the original stays on its
   * topic (at the original partition and offset) until retention, with this size and SHA-256.
   */
  quarantined: 'x-audit-dlq-quarantined',
  originalValueBytes: 'x-audit-original-value-bytes',
  originalValueSha256: 'x-audit-original-value-sha256',
} as const;
