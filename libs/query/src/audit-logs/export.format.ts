import { fromAuditEventRow, type AuditEventRow } from '@audit/clickhouse';
import type { ExportFormat } from './audit-logs-query.dto';

/** CSV columns, in order: the contract's fields flattened; `changes` and `metadata` as JSON text. */
const CSV_COLUMNS: Array<[header: string, column: keyof AuditEventRow]> = [
  ['id', 'event_id'],
  ['occurredAt', 'occurred_at'],
  ['organizationId', 'organization_id'],
  ['actorId', 'actor_id'],
  ['actorType', 'actor_type'],
  ['actorName', 'actor_name'],
  ['actorEmail', 'actor_email'],
  ['actorIp', 'actor_ip'],
  ['actorUserAgent', 'actor_user_agent'],
  ['action', 'action'],
  ['resourceType', 'resource_type'],
  ['resourceId', 'resource_id'],
  ['resourceName', 'resource_name'],
  ['status', 'status'],
  ['reason', 'reason'],
  ['requestId', 'request_id'],
  ['sessionId', 'session_id'],
  ['changes', 'changes'],
  ['metadata', 'metadata'],
];

/** The stored columns of a CSV export, in order (what ClickHouse writes as cells). */
export const CSV_EXPORT_COLUMNS = CSV_COLUMNS.map(([, column]) => column);

/** Spreadsheets run a cell starting with one of these as a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV cell (RFC 4180): a value a spreadsheet would evaluate gets a leading `'` so it stays
 * text, and a value with a quote, comma or line break is quoted with quotes doubled.
 */
export function csvCell(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** What a download is besides its rows: its type, and the text before the first row and after the last. */
export interface ExportFraming {
  contentType: string;
  extension: string;
  /** Text before the first row. */
  header: string;
  /** Text after the last row, given the body's row count and SHA-256 (a verified export's signed manifest). */
  footer?(body: { rows: number; sha256: string }): Promise<string>;
}

/**
 * A framing that also writes rows in JS. The verified export's lines are made this way; a plain
 * export's text comes from ClickHouse (`streamNdjson`, `streamCsv`), and these encoders are the
 * reference it must match byte for byte.
 */
export interface ExportEncoder extends ExportFraming {
  /** One batch of rows as text. */
  encode(rows: AuditEventRow[]): string;
}

/** Some rows of an export as the text that goes on the wire. */
export interface ExportBatch {
  rows: number;
  text: string | Uint8Array;
}

/** Rows encoded at once: encoding runs on the event loop, and the writer lets other work run between batches. */
const ENCODE_ROWS = 1_000;

/** Row batches through an encoder, as text batches of at most {@link ENCODE_ROWS} rows each. */
export async function* encodeBatches(batches: AsyncIterable<AuditEventRow[]>, encoder: ExportEncoder): AsyncGenerator<ExportBatch> {
  for await (const rows of batches) {
    for (let at = 0; at < rows.length; at += ENCODE_ROWS) {
      const slice = rows.slice(at, at + ENCODE_ROWS);
      yield { rows: slice.length, text: encoder.encode(slice) };
    }
  }
}

const csv: ExportEncoder = {
  contentType: 'text/csv; charset=utf-8',
  extension: 'csv',
  header: `${CSV_COLUMNS.map(([header]) => header).join(',')}\r\n`,
  encode: (rows) => {
    let text = '';
    for (const row of rows) text += `${CSV_COLUMNS.map(([, column]) => csvCell(String(row[column] ?? ''))).join(',')}\r\n`;
    return text;
  },
};

/** One event per line, in the same camelCase shape as the list endpoint's `data` items. */
const ndjson: ExportEncoder = {
  contentType: 'application/x-ndjson; charset=utf-8',
  extension: 'ndjson',
  header: '',
  encode: (rows) => {
    let text = '';
    for (const row of rows) text += `${JSON.stringify(fromAuditEventRow(row))}\n`;
    return text;
  },
};

export const EXPORT_ENCODERS: Record<ExportFormat, ExportEncoder> = { csv, ndjson };
