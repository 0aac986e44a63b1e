import type { AuditEventRow } from './audit-event.row';

/**
 * A row's place in the read orders (pages: time, id, organization, digest, newest first; exports:
 * organization, time, id, digest). The content digest breaks the tie of rows that share an
 * organization, a time and an id — an identical re-send has the same key and is one event, a
 * reused id with other content is another — so a cursor or an export batch can stop between them
 * and resume without skipping or repeating either.
 */
export interface EventKey {
  organizationId: string;
  /** ISO-8601. */
  occurredAt: string;
  eventId: string;
  /** Lower-case hex SHA-256 of the row's content (`content_digest`, migration 0003). */
  contentDigest: string;
}

/** The key of a row read with its content digest. */
export function keyOf(row: AuditEventRow): EventKey {
  if (row.content_digest === undefined) throw new Error(`row ${row.event_id} was read without its content_digest`);
  return { organizationId: row.organization_id, occurredAt: row.occurred_at, eventId: row.event_id, contentDigest: row.content_digest };
}

/** Same organization, time and id: two versions of one event id, or a copy. */
export function sameSlot(a: EventKey, b: EventKey): boolean {
  return a.eventId === b.eventId && a.occurredAt === b.occurredAt && a.organizationId === b.organizationId;
}
