import { ClickHouseError, type ClickHouseClient } from '@clickhouse/client';
import { toClickHouseTime } from './audit-event.row';
import type { AuditEventsFilter, Condition, Params } from './audit-events.conditions';
import { readSettingsClause, type ReadLimits } from './read-limits.settings';

/**
 * The number of distinct contents among a group's rows: each event once. A re-sent copy is a row
 * of its own (the chain counts every delivery, so merges never collapse it) with the same content
 * digest; another event always has another digest (SHA-256 over organization, time, id and every
 * content column), a reused id with other content included. Counted per group with no sort and no
 * per-row group key (on 1M rows 1.9 s against 6.7 s for grouping by (organization, time, id,
 * digest), 2.6 s for LIMIT 1 BY the digest; loaded machine).
 *
 * The set holds the digest's first 128 bits as they are: `uniqExact` of a string keeps a 128-bit
 * SipHash of each value instead, so this is the same width of identity — from a cryptographic hash
 * rather than a keyless one that anyone can collide — without hashing 32 bytes per row (90 days of
 * the bench's 10M rows, 5M counted: 2.5–2.9 s against 4.8–6.9 s, load 8–14).
 */
export const EVENTS = 'uniqExact(reinterpretAsUInt128(substring(content_digest, 1, 16)))';

/**
 * Bytes of memory to allow per row an exact count reads: its 16 bytes in a hash set that doubles as
 * it grows, and the columns read around it. Measured on chDB 3.4 over 90 days of the query bench's
 * 10M rows (5.0M counted in one query, by day or by hour): refused at 400 MB, answered at 500 MB,
 * so about 100 bytes a row; 256 leaves room for slices of uneven rows and a busier engine.
 */
export const BYTES_PER_COUNTED_ROW = 256;

/** The start of an occurred_at's bucket of `{interval}` seconds, epoch seconds. */
export const BUCKET = 'toUnixTimestamp(toStartOfInterval(occurred_at, toIntervalSecond({interval:UInt32})))';

/** A part of the window counted by one query; none: the whole window. */
export interface Slice {
  from: string;
  to: string;
}

/**
 * One aggregation's reads: its queries share the time limit of one read (each gets what is left,
 * and none starts past it) and stop when the caller leaves; a count over more rows than one query
 * may hold is cut into time slices.
 */
export class AggregationRead {
  /** When this read's time is up (epoch ms). */
  private readonly deadline: number;
  /** The table counted. */
  readonly table: string;

  constructor(
    private readonly client: ClickHouseClient,
    database: string,
    private readonly limits: ReadLimits,
    /** Rows (copies included) one exact count may read. */
    readonly countedRowsPerQuery: number,
    private readonly signal?: AbortSignal,
  ) {
    this.deadline = Date.now() + limits.maxExecutionTimeSeconds * 1000;
    this.table = `${database}.audit_events`;
  }

  /** The rows one query may return. */
  get maxResultRows(): number {
    return this.limits.maxResultRows;
  }

  /**
   * The window cut where needed so that no slice reads more than {@link countedRowsPerQuery} rows:
   * one slice when the whole window fits (a `count()` first: a fraction of the counting's cost);
   * else the rows of the window in as many equal buckets as a read may return, consecutive buckets
   * grouped by their row counts, and a bucket too large alone cut into
   * equal spans of time. The slices cover the window with no gap.
   */
  async slices(where: Condition, filter: AuditEventsFilter): Promise<Array<Slice | undefined>> {
    const [[total]] = await this.rows<[number | string]>(`SELECT count() FROM ${this.table} WHERE ${where.sql.join(' AND ')}`, where.params);
    if (Number(total) <= this.countedRowsPerQuery) return [undefined];
    // Buckets of the window as many as one read may return; any cut adds up, so they need not be the caller's.
    const [from, to] = [Date.parse(filter.from), Date.parse(filter.to)];
    const intervalSeconds = Math.max(1, Math.ceil((to - from) / 1000 / Math.max(1, this.limits.maxResultRows - 1)));
    const buckets = await this.rows<[number | string, number | string]>(
      `SELECT ${BUCKET} AS bucket, count() FROM ${this.table} WHERE ${where.sql.join(' AND ')} GROUP BY bucket ORDER BY bucket`,
      { ...where.params, interval: intervalSeconds },
    );
    const slices: Slice[] = [];
    let open: { from: number; to: number; rows: number } | undefined;
    const close = () => {
      if (open) slices.push({ from: new Date(open.from).toISOString(), to: new Date(open.to).toISOString() });
      open = undefined;
    };
    for (const [start, counted] of buckets) {
      const rows = Number(counted);
      const span = { from: Math.max(from, Number(start) * 1000), to: Math.min(to, (Number(start) + intervalSeconds) * 1000) };
      if (rows > this.countedRowsPerQuery) {
        close();
        // Spread evenly over the bucket's time; copies share their millisecond, so any cut keeps them together.
        const pieces = Math.min(span.to - span.from, Math.ceil((2 * rows) / this.countedRowsPerQuery));
        for (let piece = 0; piece < pieces; piece++) {
          const at = (n: number) => span.from + Math.floor(((span.to - span.from) * n) / pieces);
          slices.push({ from: new Date(at(piece)).toISOString(), to: new Date(at(piece + 1)).toISOString() });
        }
        continue;
      }
      if (open && open.rows + rows > this.countedRowsPerQuery) close();
      open = open ? { ...open, to: span.to, rows: open.rows + rows } : { ...span, rows };
    }
    close();
    // Back to back from the window's start to its end: a row stored since the rows were counted, in a bucket that had none, is counted too.
    return slices.map((slice, i) => ({ from: i === 0 ? filter.from : slices[i - 1].to, to: i === slices.length - 1 ? filter.to : slice.to }));
  }

  /** One query's rows, limited like every read; its time limit is what is left of the read's. */
  async rows<T>(sql: string, params: Params): Promise<T[]> {
    const left = Math.ceil((this.deadline - Date.now()) / 1000);
    if (left <= 0) throw new ClickHouseError({ message: 'the aggregation ran out of its read time', code: '159', type: 'TIMEOUT_EXCEEDED' });
    this.signal?.throwIfAborted();
    const result = await this.client.query({
      query: `${sql} ${readSettingsClause({ ...this.limits, maxExecutionTimeSeconds: Math.min(left, this.limits.maxExecutionTimeSeconds) })}`,
      query_params: params,
      format: 'JSONCompactEachRow',
      abort_signal: this.signal,
    });
    return result.json<T>();
  }
}

/** `where` within a slice of its window. */
export function sliceCondition(where: Condition, slice: Slice | undefined): Condition {
  if (!slice) return where;
  return {
    sql: [...where.sql, "occurred_at >= {sliceFrom:DateTime64(3, 'UTC')}", "occurred_at < {sliceTo:DateTime64(3, 'UTC')}"],
    params: { ...where.params, sliceFrom: toClickHouseTime(slice.from), sliceTo: toClickHouseTime(slice.to) },
  };
}
