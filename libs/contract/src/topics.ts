/** The main topic: key = organizationId, so one tenant's events keep their order in one partition. */
export const AUDIT_EVENTS_TOPIC = 'audit.events.v1';
/** Where the ingestor puts what it cannot store, with the reason in the headers. */
export const AUDIT_EVENTS_DLQ_TOPIC = 'audit.events.v1.dlq';

/** Header names on dead-letter records. */
export const DLQ_HEADERS = {
  reason: 'x-audit-dlq-reason',
  violations: 'x-audit-dlq-violations',
  topic: 'x-audit-original-topic',
  partition: 'x-audit-original-partition',
  offset: 'x-audit-original-offset',
  firstSeenAt: 'x-audit-dlq-first-seen-at',
} as const;
