import type { ClickHouseClient } from '@clickhouse/client';
import { AggregationRead, BUCKET, BYTES_PER_COUNTED_ROW, EVENTS, sliceCondition } from './aggregation.read';
import { AuditEventKeysRepository } from './audit-event-keys.repository';
import { filterCondition, type AuditEventsFilter, type Condition, type TenantScope } from './audit-events.conditions';
import { investigatedKeyOf } from './investigated-key.lookup';
import { DEFAULT_READ_LIMITS, readSettingsClause, type ReadLimits } from './read-limits.settings';
import type { TopDimension, TopValue } from '@audit/contract';
import { countTopValues } from './top-values.count';

export interface HistogramBucket {
  /** Start of the bucket, epoch milliseconds (UTC). */
  start: number;
  count: number;
}

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

/**
 * Counts over the filtered events for the Auditing page and the security team's investigations:
 * a time histogram and top lists. Same tenant scope, filters and read limits as every read; every
 * value a bound parameter. Exact counts hold a set of the counted rows' digests, so their memory
 * grows with the rows counted: a histogram counts a long window in time slices (copies share their
 * instant, so slices never split an event's copies and their counts add up), a top list counts
 * rows per value first and events only for the values that can be in the answer
 * (`top-values.count.ts`). All queries of one call share one read's time limit (`aggregation.read.ts`).
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
    const read = this.read(signal);
    const where = this.condition(scope, filter);
    const counts = new Map<number, number>();
    for (const slice of await read.slices(where, filter)) {
      const bounded = sliceCondition(where, slice);
      for (const [start, count] of await read.rows<[number | string, number | string]>(
        `SELECT ${BUCKET} AS bucket, ${EVENTS} FROM ${read.table} WHERE ${bounded.sql.join(' AND ')} GROUP BY bucket`,
        { ...bounded.params, interval: intervalSeconds },
      )) {
        counts.set(Number(start), (counts.get(Number(start)) ?? 0) + Number(count));
      }
    }
    return [...counts].sort(([a], [b]) => a - b).map(([start, count]) => ({ start: start * 1000, count }));
  }

  /** The `limit` most frequent values of `by` with their counts and distinct actors; ties by value ({@link countTopValues}). */
  async top(scope: TenantScope, filter: AuditEventsFilter, by: TopDimension, limit: number, signal?: AbortSignal): Promise<TopValue[]> {
    return countTopValues(this.read(signal), this.condition(scope, filter), filter, by, limit, this.valueHash);
  }

  /** The reads of one call: one time limit across its queries. */
  private read(signal?: AbortSignal): AggregationRead {
    return new AggregationRead(this.client, this.database, this.limits, this.countedRowsPerQuery, signal);
  }
}
