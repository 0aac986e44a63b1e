import { fromClickHouseTime, type AuditEventRow } from './audit-event.row';

/** The contract's columns; lineage stays internal. */
export const AUDIT_EVENT_COLUMNS = [
  'event_id',
  'organization_id',
  'occurred_at',
  'actor_id',
  'actor_type',
  'actor_name',
  'actor_email',
  'actor_ip',
  'actor_user_agent',
  'action',
  'resource_type',
  'resource_id',
  'resource_name',
  'status',
  'reason',
  'request_id',
  'session_id',
  'changes',
  'metadata',
  'schema_version',
] as const satisfies ReadonlyArray<keyof AuditEventRow>;
/** The contract's columns and the content digest (pages and row exports compare and resume on it). */
export const KEYED_COLUMNS = [...AUDIT_EVENT_COLUMNS, 'content_digest'] as const satisfies ReadonlyArray<keyof AuditEventRow>;
/** The contract's columns and the row's link in its organization's hash chain (verified exports). */
export const CHAINED_COLUMNS = [...AUDIT_EVENT_COLUMNS, 'expires_at', 'chain_seq', 'chain_prev_hash', 'chain_hash'] as const satisfies ReadonlyArray<keyof AuditEventRow>;
/**
 * Columns as SELECT expressions: the digest travels as hex text, under another name (an alias
 * `content_digest` would replace the column in WHERE and ORDER BY). Rows are read by position.
 */
export const selectList = (columns: ReadonlyArray<keyof AuditEventRow>) =>
  columns.map((column) => (column === 'content_digest' ? 'lower(hex(content_digest)) AS content_digest_hex' : column)).join(', ');

/** One JSONCompactEachRow array (about half the bytes and parse time of JSONEachRow) as a row. */
export function toRow(values: unknown[], columns: ReadonlyArray<keyof AuditEventRow> = AUDIT_EVENT_COLUMNS): AuditEventRow {
  const row = {} as Record<string, unknown>;
  for (let i = 0; i < columns.length; i++) row[columns[i]] = values[i];
  row.occurred_at = fromClickHouseTime(row.occurred_at as string);
  return row as unknown as AuditEventRow;
}
