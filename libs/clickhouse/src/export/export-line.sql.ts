// The text export's lines written by ClickHouse itself (NDJSON and CSV), as SELECT expressions over
// the stored columns: the read repository streams them without parsing or re-encoding a row.
import type { AuditEventRow } from '../events/audit-event.row';
import { AUDIT_EVENT_COLUMNS } from '../events/audit-event.columns';

/** A stored DateTime64(3) as ISO-8601 with `Z` (what {@link fromClickHouseTime} gives), whatever the output settings. */
const ISO_TIME_SQL = `concat(replaceOne(toString(occurred_at), ' ', 'T'), 'Z')`;

/**
 * The NDJSON line of a row, computed by ClickHouse: the SQL twin of
 * `JSON.stringify(fromAuditEventRow(row))` plus `\n`, byte for byte (field order, empty columns
 * left out, `changes` and `metadata` embedded as the JSON text the ingester stored, schemaVersion
 * 1). Strings go through toJSONString with unescaped `/`; it differs from JSON.stringify only on
 * control characters (upper-case hex) and U+2028/U+2029 (escaped), which the contract refuses in
 * every stored string.
 */
export function ndjsonLineSql(): string {
  const text = (column: string) => `toJSONString(${column})`;
  const optional = (key: string, column: string) => `if(${column} = '', '', concat(',"${key}":', ${text(column)}))`;
  const json = (key: string, column: string) => `if(${column} = '', '', concat(',"${key}":', ${column}))`;
  return `concat(
    '{"id":"', toString(event_id), '","occurredAt":"', ${ISO_TIME_SQL}, '","organizationId":', ${text('organization_id')},
    ',"actor":{"id":', ${text('actor_id')}, ',"type":', ${text('actor_type')}, ${optional('name', 'actor_name')}, ${optional('email', 'actor_email')},
    ${optional('ip', 'actor_ip')}, ${optional('userAgent', 'actor_user_agent')},
    '},"action":', ${text('action')}, ',"resource":{"type":', ${text('resource_type')}, ',"id":', ${text('resource_id')}, ${optional('name', 'resource_name')},
    '},"status":', ${text('status')}, ${optional('reason', 'reason')}, ${optional('requestId', 'request_id')}, ${optional('sessionId', 'session_id')},
    ${json('changes', 'changes')}, ${json('metadata', 'metadata')}, ',"schemaVersion":1}\\n')`;
}

/**
 * One CSV cell (RFC 4180) in SQL, as `csvCell` of libs/query writes it: a value a spreadsheet
 * would run as a formula (first character = + - @ tab CR) gets a leading `'`, and a value with a
 * quote, comma or line break is quoted with its quotes doubled.
 */
function csvCellSql(column: string): string {
  const formula = String.raw`match(${column}, '^[=+\\-@\\t\\r]')`;
  return String.raw`multiIf(match(${column}, '[",\\r\\n]'), concat('"', if(${formula}, '\'', ''), replaceAll(${column}, '"', '""'), '"'),
    ${formula}, concat('\'', ${column}), ${column})`;
}

/** The CSV record of a row, CRLF-terminated; `columns` come from {@link AUDIT_EVENT_COLUMNS}, never from input. */
export function csvLineSql(columns: ReadonlyArray<keyof AuditEventRow>): string {
  const cells = columns.map((column) => {
    if (!(AUDIT_EVENT_COLUMNS as ReadonlyArray<string>).includes(column)) throw new Error(`not an exported column: ${column}`);
    // A UUID and an ISO time never need quoting or a formula guard.
    if (column === 'event_id') return 'toString(event_id)';
    if (column === 'occurred_at') return ISO_TIME_SQL;
    return csvCellSql(column);
  });
  return `concat(${cells.join(", ',', ")}, '\\r\\n')`;
}
