import { ClickHouseError, type ClickHouseClient } from '@clickhouse/client';
import { AuditEventKeysRepository } from './audit-event-keys.repository';
import { toClickHouseTime } from './audit-event.row';
import { filterCondition, type AuditEventsFilter, type Condition, type Params, type TenantScope } from './audit-events.conditions';
import { investigatedKeyOf } from './investigated-key.lookup';
import { DEFAULT_READ_LIMITS, readSettingsClause, type ReadLimits } from './read-limits.settings';

/** What a top list is counted by; the SQL of each comes from {@link TOP_KEYS}, never from input. */
export const TOP_DIMENSIONS = ['actor', 'resource', 'ip', 'action'] as const;
export type TopDimension = (typeof TOP_DIMENSIONS)[number];

/**
 * Per dimension: the key counted, a label shown beside it, whether the label is part of the key (a
 * resource is its type and id), whether the key names something of one organization (an actor id
 * or a resource id in two organizations are two different things), and a condition on rows that
 * have the key at all.
 */
const TOP_KEYS: Record<TopDimension, { key: string; label: string; labelIsKey: boolean; perOrganization: boolean; having?: string }> = {
  actor: { key: 'actor_id', label: 'actor_email', labelIsKey: false, perOrganization: true },
  resource: { key: 'resource_id', label: 'toString(resource_type)', labelIsKey: true, perOrganization: true },
  ip: { key: 'actor_ip', label: "''", labelIsKey: false, perOrganization: false, having: "actor_ip != ''" },
  action: { key: 'toString(action)', label: "''", labelIsKey: false, perOrganization: false },
};

export interface HistogramBucket {
  /** Start of the bucket, epoch milliseconds (UTC). */
  start: number;
  count: number;
}

export interface TopValue {
  value: string;
  /** The actor's email, the resource's type; '' when the dimension has none. */
  label: string;
  count: number;
  /** Distinct actors among the counted events (who touched this resource, who used this IP). */
  actors: number;
  /** The organization an actor or a resource belongs to ('' for IPs and actions, counted across the scope). */
  organizationId: string;
}

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
const EVENTS = 'uniqExact(reinterpretAsUInt128(substring(content_digest, 1, 16)))';

/**
 * Bytes of memory to allow per row an exact count reads: its 16 bytes in a hash set that doubles as
 * it grows, and the columns read around it. Measured on chDB 3.4 over 90 days of the query bench's
 * 10M rows (5.0M counted in one query, by day or by hour): refused at 400 MB, answered at 500 MB,
 * so about 100 bytes a row; 256 leaves room for slices of uneven rows and a busier engine.
 */
const BYTES_PER_COUNTED_ROW = 256;

export interface AggregationOptions {
  /**
   * Rows (copies included) one exact count may read; a histogram over more is counted in time
   * slices of at most this many. Default: the memory limit over {@link BYTES_PER_COUNTED_ROW}.
   */
  countedRowsPerQuery?: number;
  /**
   * The SQL of the 64-bit hash a top list first counts rows by, given the value as a tuple.
   * Default: `cityHash64`. Tests pass a narrow one to make values share a hash.
   */
  valueHash?: (tuple: string) => string;
}

/** A candidate of a top list, counted. */
interface CountedValue {
  /** {@link valueId} */
  id: string;
  organization: string;
  key: string;
  label: string;
  events: number;
  actors: number;
  rows: number;
}

/** The identity of a value: organization, key and, for resources, the type (the label is then part of the key; else ''). */
const valueId = (organization: string, key: string, keyLabel: string) => `${organization}\u0000${key}\u0000${keyLabel}`;

/** The start of an occurred_at's bucket of `{interval}` seconds, epoch seconds. */
const BUCKET = 'toUnixTimestamp(toStartOfInterval(occurred_at, toIntervalSecond({interval:UInt32})))';

/** A part of the window counted by one query; none: the whole window. */
interface Slice {
  from: string;
  to: string;
}

/**
 * Counts over the filtered events for the Auditing page and the security team's investigations:
 * a time histogram and top lists. Same tenant scope, filters and read limits as every read; every
 * value a bound parameter. Exact counts hold a set of the counted rows' digests, so their memory
 * grows with the rows counted: a histogram counts a long window in time slices (copies share their
 * instant, so slices never split an event's copies and their counts add up), a top list counts
 * rows per value first and events only for the values that can be in the answer.
 */
export class AuditAggregationsRepository {
  private readonly keys: AuditEventKeysRepository;
  private readonly countedRowsPerQuery: number;
  private readonly valueHash: (tuple: string) => string;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
    private readonly limits: ReadLimits = DEFAULT_READ_LIMITS,
    options: AggregationOptions = {},
  ) {
    this.keys = new AuditEventKeysRepository(client, database, readSettingsClause(limits));
    this.countedRowsPerQuery = options.countedRowsPerQuery ?? Math.max(1, Math.floor(limits.maxMemoryUsageBytes / BYTES_PER_COUNTED_ROW));
    this.valueHash = options.valueHash ?? ((tuple) => `cityHash64${tuple}`);
  }

  /**
   * The filter's conditions; with an actor, resource or address filter also the places of its
   * key's entries (0006), so "who touched this record" reads that record's rows, not the window.
   */
  private condition(scope: TenantScope, filter: AuditEventsFilter): Condition {
    const where = filterCondition(scope, filter);
    const key = investigatedKeyOf(filter);
    if (!key) return where;
    const places = this.keys.windowCondition(key, scope === 'all' ? undefined : scope.organizationId, filter.from, filter.to);
    return { sql: [...where.sql, ...places.sql], params: { ...where.params, ...places.params } };
  }

  /**
   * Events per bucket of `intervalSeconds` (aligned to the epoch, UTC), oldest first; empty buckets
   * are left out. A window with more rows than one count may hold is counted slice by slice, each
   * query within the read limits and all of them within the time limit of one read.
   */
  async histogram(scope: TenantScope, filter: AuditEventsFilter, intervalSeconds: number, signal?: AbortSignal): Promise<HistogramBucket[]> {
    const deadline = this.deadline();
    const where = this.condition(scope, filter);
    const counts = new Map<number, number>();
    for (const slice of await this.slices(where, filter, intervalSeconds, deadline, signal)) {
      const bounded = sliceCondition(where, slice);
      for (const [start, count] of await this.rows<[number | string, number | string]>(
        `SELECT ${BUCKET} AS bucket, ${EVENTS} FROM ${this.database}.audit_events WHERE ${bounded.sql.join(' AND ')} GROUP BY bucket`,
        { ...bounded.params, interval: intervalSeconds },
        deadline,
        signal,
      )) {
        counts.set(Number(start), (counts.get(Number(start)) ?? 0) + Number(count));
      }
    }
    return [...counts].sort(([a], [b]) => a - b).map(([start, count]) => ({ start: start * 1000, count }));
  }

  /**
   * The window cut where needed so that no slice reads more than {@link countedRowsPerQuery} rows:
   * one slice when the whole window fits (a `count()` first: a fraction of the counting's cost);
   * else consecutive buckets grouped by their row counts, and a bucket too large alone cut into
   * equal spans of time. The slices cover the window with no gap.
   */
  private async slices(where: Condition, filter: AuditEventsFilter, intervalSeconds: number, deadline: number, signal?: AbortSignal): Promise<Array<Slice | undefined>> {
    const [[total]] = await this.rows<[number | string]>(`SELECT count() FROM ${this.database}.audit_events WHERE ${where.sql.join(' AND ')}`, where.params, deadline, signal);
    if (Number(total) <= this.countedRowsPerQuery) return [undefined];
    const buckets = await this.rows<[number | string, number | string]>(
      `SELECT ${BUCKET} AS bucket, count() FROM ${this.database}.audit_events WHERE ${where.sql.join(' AND ')} GROUP BY bucket ORDER BY bucket`,
      { ...where.params, interval: intervalSeconds },
      deadline,
      signal,
    );
    const [from, to] = [Date.parse(filter.from), Date.parse(filter.to)];
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

  /**
   * The `limit` most frequent values of `by` with their counts and distinct actors; ties by value.
   * Counting distinct contents per value costs a set entry per row, so it runs for candidates only:
   * rows are counted per value first (copies included: an upper bound of its events; the value
   * grouped by a 64-bit hash, so the pass holds a number per value instead of its text), the values
   * of the most rows are counted exactly, and the answer stands when the last of the top `limit`
   * has more events than any value left out has rows. Else the candidates widen. Copies are rare,
   * so the first round almost always stands; a hash collision only adds a value to a candidate.
   */
  async top(scope: TenantScope, filter: AuditEventsFilter, by: TopDimension, limit: number, signal?: AbortSignal): Promise<TopValue[]> {
    const deadline = this.deadline();
    const where = this.condition(scope, filter);
    const dimension = topKey(by);
    const conditions = { sql: [...where.sql, ...(dimension.having ? [dimension.having] : [])], params: where.params };
    let groupBy = this.valueHash(dimension.tuple);
    for (let candidates = 2 * limit; ; candidates *= 4) {
      // Candidates are rows of the answer and values in the query: past the read's result rows, every value is counted instead.
      if (candidates >= this.limits.maxResultRows) return toTop(await this.countValues(conditions, dimension, filter, undefined, deadline, signal, limit), limit);
      // [organization, key, label, rows]: the group's value (one of them, should two share a hash) and its rows.
      const groups = await this.rows<[string, string, string, number | string]>(
        `SELECT any(${dimension.organization}), any(${dimension.key}), ${dimension.labelIsKey ? `any(${dimension.label})` : "''"}, count() AS count
         FROM ${this.database}.audit_events
         WHERE ${conditions.sql.join(' AND ')}
         GROUP BY ${groupBy} ORDER BY count DESC LIMIT {candidates:UInt32}`,
        { ...conditions.params, candidates: candidates + 1 },
        deadline,
        signal,
      );
      const among = groups.slice(0, candidates);
      const counted = await this.countValues(conditions, dimension, filter, among, deadline, signal);
      // A candidate whose value has fewer rows than its group shared a hash with another value, which was not counted: count by value instead.
      const rowsOf = new Map(counted.map((value) => [value.id, value.rows]));
      if (among.some(([organization, key, label, rows]) => rowsOf.get(valueId(organization, key, label)) !== Number(rows))) {
        groupBy = dimension.tuple;
        candidates /= 4;
        continue;
      }
      const top = toTop(counted, limit);
      // Every value left out has at most the rows of the first group left out, and no more events than rows.
      const beyond = Number(groups[candidates]?.[3] ?? 0);
      if (groups.length <= candidates || (top.length === limit && top[limit - 1].count > beyond)) return top;
    }
  }

  /**
   * Events, distinct actors and rows of each candidate value (`among`; every value when undefined),
   * most events first (ties by value, then organization). One query when the candidates' rows fit
   * one count (every value's: the first `limit`); else their events are counted in time slices and
   * added up, and their distinct actors by one query that holds no digest.
   */
  private async countValues(
    conditions: Condition,
    dimension: ReturnType<typeof topKey>,
    filter: AuditEventsFilter,
    among: ReadonlyArray<[string, string, string, number | string]> | undefined,
    deadline: number,
    signal?: AbortSignal,
    limit?: number,
  ): Promise<CountedValue[]> {
    const arrays = `arrayZip({amongOrganizations:Array(String)}, {amongValues:Array(String)}${dimension.labelIsKey ? ', {amongLabels:Array(String)}' : ''})`;
    const where = among
      ? {
          sql: [...conditions.sql, `${dimension.tuple} IN (SELECT arrayJoin(${arrays}))`],
          params: {
            ...conditions.params,
            amongOrganizations: among.map(([organization]) => organization),
            amongValues: among.map(([, key]) => key),
            ...(dimension.labelIsKey && { amongLabels: among.map(([, , label]) => label) }),
          },
        }
      : conditions;
    const label = dimension.labelIsKey ? dimension.label : `any(${dimension.label})`;
    const groupBy = `organization, key${dimension.labelIsKey ? `, ${dimension.label}` : ''}`;
    const count = (slice: Slice | undefined, columns: string, first?: number) => {
      const bounded = sliceCondition(where, slice);
      return this.rows<[string, string, string, number | string, number | string]>(
        `SELECT ${dimension.organization} AS organization, ${dimension.key} AS key, ${label}, ${columns}
         FROM ${this.database}.audit_events WHERE ${bounded.sql.join(' AND ')} GROUP BY ${groupBy}
         ${first === undefined ? '' : 'ORDER BY events DESC, key, organization LIMIT {first:UInt32}'}`,
        { ...bounded.params, ...(first !== undefined && { first }) },
        deadline,
        signal,
      );
    };
    const values = new Map<string, CountedValue>();
    const identify = (organization: string, key: string, labelText: string) => valueId(organization, key, dimension.labelIsKey ? labelText : '');
    // The candidates' rows are known from the first pass; every value's are counted by `slices`.
    const fits = among !== undefined && among.reduce((sum, [, , , rows]) => sum + Number(rows), 0) <= this.countedRowsPerQuery;
    const slices = fits ? [undefined] : await this.slices(where, filter, 3_600, deadline, signal);
    if (slices.length === 1 && slices[0] === undefined) {
      const counted = await count(undefined, `${EVENTS} AS events, count(), uniqExact(actor_id)`, among ? undefined : limit);
      for (const [organization, key, labelText, events, rows, actors] of counted as unknown as Array<[string, string, string, string, string, string]>) {
        const id = identify(organization, key, labelText);
        values.set(id, { id, organization, key, label: labelText, events: Number(events), rows: Number(rows), actors: Number(actors) });
      }
    } else {
      // Copies share their instant, so the events of time slices add up; distinct actors do not, and are counted apart.
      for (const slice of slices) {
        for (const [organization, key, labelText, events, rows] of await count(slice, `${EVENTS}, count()`)) {
          const id = identify(organization, key, labelText);
          const value = values.get(id) ?? { id, organization, key, label: labelText, events: 0, rows: 0, actors: 0 };
          values.set(id, { ...value, events: value.events + Number(events), rows: value.rows + Number(rows) });
        }
      }
      for (const [organization, key, labelText, actors] of await count(undefined, 'uniqExact(actor_id)')) {
        const value = values.get(identify(organization, key, labelText));
        if (value) value.actors = Number(actors);
      }
    }
    return [...values.values()].sort((a, b) => b.events - a.events || Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)) || Buffer.compare(Buffer.from(a.organization), Buffer.from(b.organization)));
  }

  /** When this read's time is up (epoch ms): a read of several queries gets the time of one. */
  private deadline(): number {
    return Date.now() + this.limits.maxExecutionTimeSeconds * 1000;
  }

  /** One query's rows, limited like every read; its time limit is what is left of the read's. */
  private async rows<T>(sql: string, params: Params, deadline: number, signal?: AbortSignal): Promise<T[]> {
    const left = Math.ceil((deadline - Date.now()) / 1000);
    if (left <= 0) throw new ClickHouseError({ message: 'the aggregation ran out of its read time', code: '159', type: 'TIMEOUT_EXCEEDED' });
    signal?.throwIfAborted();
    const result = await this.client.query({
      query: `${sql} ${readSettingsClause({ ...this.limits, maxExecutionTimeSeconds: Math.min(left, this.limits.maxExecutionTimeSeconds) })}`,
      query_params: params,
      format: 'JSONCompactEachRow',
      abort_signal: signal,
    });
    return result.json<T>();
  }
}

/** The first `limit` counted values as the API gives them. */
function toTop(counted: CountedValue[], limit: number): TopValue[] {
  return counted.slice(0, limit).map(({ key, label, events, actors, organization }) => ({ value: key, label, count: events, actors, organizationId: organization }));
}

/** The SQL of a top list's dimension: its key, label and organization, and the value as one tuple. */
function topKey(by: TopDimension) {
  const { key, label, labelIsKey, perOrganization, having } = TOP_KEYS[by];
  const organization = perOrganization ? 'organization_id' : "''";
  return { key, label, labelIsKey, having, organization, tuple: `(${organization}, ${key}${labelIsKey ? `, ${label}` : ''})` };
}

/** `where` within a slice of its window. */
function sliceCondition(where: Condition, slice: Slice | undefined): Condition {
  if (!slice) return where;
  return {
    sql: [...where.sql, "occurred_at >= {sliceFrom:DateTime64(3, 'UTC')}", "occurred_at < {sliceTo:DateTime64(3, 'UTC')}"],
    params: { ...where.params, sliceFrom: toClickHouseTime(slice.from), sliceTo: toClickHouseTime(slice.to) },
  };
}
