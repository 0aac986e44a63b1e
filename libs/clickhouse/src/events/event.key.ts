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

/** Rows in a read order with identical copies (same digest, hence the same key: adjacent) dropped. */
export function withoutAdjacentCopies(rows: AuditEventRow[]): AuditEventRow[] {
  return rows.filter((row, index) => index === 0 || row.content_digest !== rows[index - 1].content_digest);
}

/**
 * Marks the rows of a page whose organization stored other content under the same id and time.
 * After copies are dropped such rows are neighbours in the read order; `before` is the cursor's
 * row (the page's predecessor) and `rows` ends with the look-ahead row, so a pair split by a page
 * boundary is marked on both pages.
 */
export function markReusedIds(rows: AuditEventRow[], before: EventKey | undefined): void {
  const keys = rows.map(keyOf);
  keys.forEach((key, index) => {
    const previous = index === 0 ? before : keys[index - 1];
    const next = keys[index + 1];
    if ((previous && sameSlot(previous, key)) || (next && sameSlot(next, key))) rows[index].id_conflict = true;
  });
}
