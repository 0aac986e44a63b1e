import type { ClickHouseClient } from '@clickhouse/client';
import { fromClickHouseTime, toClickHouseTime, type AuditEventRow } from './audit-event.row';

/**
 * Whose events a read may see. Every method takes it first, so no query can forget the tenant;
 * `all` exists for the security role's cross-organization investigations and must be granted by
 * the caller's authorization, never derived from input.
 */
export type TenantScope = { organizationId: string } | 'all';

/** What to read. Times are ISO-8601 UTC; the window is [from, to). Absent filters match all. */
export interface AuditEventsFilter {
  from: string;
  to: string;
  resourceTypes?: string[];
  actions?: string[];
  /** Matches the actor's email or id. */
  actor?: string;
  resourceId?: string;
  status?: string;
}

/** A position in the newest-first order: the sort key's (time, id) of one row. */
export interface EventKey {
  occurredAt: string;
  eventId: string;
}

/** A position in storage order (organization, time, id): the export's resume point. */
export interface StorageKey extends EventKey {
  organizationId: string;
}

export interface PageRequest {
  limit: number;
  /** Rows strictly older than this key (the next page). */
  olderThan?: EventKey;
  /** Rows strictly newer than this key (the previous page). */
  newerThan?: EventKey;
}

export interface Page {
  /** Newest first, at most `limit` rows, each event once. */
  rows: AuditEventRow[];
  /** More rows exist beyond the page in the direction it was read. */
  hasMore: boolean;
}

export interface FacetCount {
  value: string;
  count: number;
}

export interface Facets {
  resourceType: FacetCount[];
  action: FacetCount[];
  status: FacetCount[];
}

/** Guards applied to every read: a runaway query is stopped by ClickHouse, not by luck. */
export interface ReadLimits {
  maxExecutionTimeSeconds: number;
  maxMemoryUsageBytes: number;
  maxResultRows: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = { maxExecutionTimeSeconds: 30, maxMemoryUsageBytes: 2_000_000_000, maxResultRows: 100_000 };

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
const COLUMNS = AUDIT_EVENT_COLUMNS.join(', ');

type Params = Record<string, unknown>;

interface Condition {
  sql: string[];
  params: Params;
}

function filterCondition(scope: TenantScope, filter: AuditEventsFilter): Condition {
  const sql = ["occurred_at >= {from:DateTime64(3, 'UTC')}", "occurred_at < {to:DateTime64(3, 'UTC')}"];
  const params: Params = { from: toClickHouseTime(filter.from), to: toClickHouseTime(filter.to) };
  if (scope !== 'all') {
    sql.unshift('organization_id = {organizationId:String}');
    params.organizationId = scope.organizationId;
  }
  if (filter.resourceTypes?.length) {
    sql.push('resource_type IN {resourceTypes:Array(String)}');
    params.resourceTypes = filter.resourceTypes;
  }
  if (filter.actions?.length) {
    sql.push('action IN {actions:Array(String)}');
    params.actions = filter.actions;
  }
  if (filter.actor !== undefined) {
    // Written against the (actor_email, actor_id) bloom filter, which can skip for this OR.
    sql.push('(actor_email = {actor:String} OR actor_id = {actor:String})');
    params.actor = filter.actor;
  }
  if (filter.resourceId !== undefined) {
    sql.push('resource_id = {resourceId:String}');
    params.resourceId = filter.resourceId;
  }
  if (filter.status !== undefined) {
    sql.push('status = {status:String}');
    params.status = filter.status;
  }
  return { sql, params };
}

/**
 * Keyset bound on (occurred_at, event_id). Spelled as a range on occurred_at plus a tie-break,
 * so the primary index narrows the read to the granules after the key: page 1000 reads what
 * page 1 reads.
 */
function keyCondition(key: EventKey, direction: 'older' | 'newer'): Condition {
  const [range, strict, tie] = direction === 'older' ? ['<=', '<', '<'] : ['>=', '>', '>'];
  return {
    sql: [
      `occurred_at ${range} {keyTime:DateTime64(3, 'UTC')}`,
      `(occurred_at ${strict} {keyTime:DateTime64(3, 'UTC')} OR event_id ${tie} {keyId:UUID})`,
    ],
    params: { keyTime: toClickHouseTime(key.occurredAt), keyId: key.eventId },
  };
}

/** Keyset bound on the whole sort key, ascending: exports resume where the last batch ended. */
function storageKeyCondition(key: StorageKey): Condition {
  return {
    sql: [
      'organization_id >= {keyOrg:String}',
      `(organization_id > {keyOrg:String} OR (occurred_at >= {keyTime:DateTime64(3, 'UTC')}
        AND (occurred_at > {keyTime:DateTime64(3, 'UTC')} OR event_id > {keyId:UUID})))`,
    ],
    params: { keyOrg: key.organizationId, keyTime: toClickHouseTime(key.occurredAt), keyId: key.eventId },
  };
}

/** Rows in sort order with re-sent copies (same id, hence same sort key: adjacent) dropped. */
function withoutAdjacentCopies(rows: AuditEventRow[], previous?: string): AuditEventRow[] {
  const unique: AuditEventRow[] = [];
  let last = previous;
  for (const row of rows) {
    if (row.event_id === last) continue;
    unique.push(row);
    last = row.event_id;
  }
  return unique;
}

/** One JSONCompactEachRow array (about half the bytes and parse time of JSONEachRow) as a row. */
function toRow(values: unknown[]): AuditEventRow {
  const row = {} as Record<string, unknown>;
  for (let i = 0; i < AUDIT_EVENT_COLUMNS.length; i++) row[AUDIT_EVENT_COLUMNS[i]] = values[i];
  row.occurred_at = fromClickHouseTime(row.occurred_at as string);
  return row as unknown as AuditEventRow;
}

/**
 * Read side of the audit log. All SQL of the query API lives here; every value is a bound
 * parameter and every query carries the {@link ReadLimits}. Data access throws; mapping errors to
 * responses is the caller's job. Rows come back with `occurred_at` as ISO-8601.
 */
export class AuditEventsReadRepository {
  private readonly settings: string;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
    limits: ReadLimits = DEFAULT_READ_LIMITS,
  ) {
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`read limit ${name} must be a positive integer, got ${value}`);
    }
    // A SETTINGS clause, not `clickhouse_settings`: the embedded connection turns the latter into
    // session-wide SET statements that would outlive the query and bind every later one (the
    // ingestor's inserts included). The values are validated integers from configuration.
    this.settings = `SETTINGS max_execution_time = ${limits.maxExecutionTimeSeconds}, max_memory_usage = ${limits.maxMemoryUsageBytes},
      max_result_rows = ${limits.maxResultRows}, result_overflow_mode = 'throw'`;
  }

  /**
   * One page, newest first. Reads `limit + 1` rows to learn whether more exist; if re-sent copies
   * made the page short, it reads on from the last key (rare: copies are merged away).
   */
  async findPage(scope: TenantScope, filter: AuditEventsFilter, page: PageRequest, signal?: AbortSignal): Promise<Page> {
    const direction = page.newerThan ? 'newer' : 'older';
    let key = page.newerThan ?? page.olderThan;
    const unique: AuditEventRow[] = [];
    for (;;) {
      const want = page.limit + 1 - unique.length;
      const rows = await this.select(scope, filter, key, direction, want, signal);
      unique.push(...withoutAdjacentCopies(rows, unique.at(-1)?.event_id ?? key?.eventId));
      const last = rows.at(-1);
      if (rows.length < want || unique.length > page.limit || !last) break;
      key = { occurredAt: last.occurred_at, eventId: last.event_id };
    }
    const hasMore = unique.length > page.limit;
    const rows = unique.slice(0, page.limit);
    return { rows: direction === 'newer' ? rows.reverse() : rows, hasMore };
  }

  private async select(
    scope: TenantScope,
    filter: AuditEventsFilter,
    key: EventKey | undefined,
    direction: 'older' | 'newer',
    limit: number,
    signal?: AbortSignal,
  ): Promise<AuditEventRow[]> {
    const where = filterCondition(scope, filter);
    const bound = key ? keyCondition(key, direction) : { sql: [], params: {} };
    const order = direction === 'older' ? 'DESC' : 'ASC';
    return this.rows(
      `SELECT ${COLUMNS} FROM ${this.database}.audit_events
       WHERE ${[...where.sql, ...bound.sql].join(' AND ')}
       ORDER BY occurred_at ${order}, event_id ${order}
       LIMIT {limit:UInt32}
       ${this.settings}`,
      { ...where.params, ...bound.params, limit },
      signal,
    );
  }

  /**
   * Every matching row in storage order (organization, then oldest first), in batches of
   * `batchRows`, each batch one keyset query read in primary-key order: memory stays bounded by
   * one batch on a server and on the embedded engine alike (whose `client.query` materializes a
   * whole result), and there is no row cap. Stops when `signal` aborts (client gone).
   */
  async *streamAll(scope: TenantScope, filter: AuditEventsFilter, batchRows: number, signal?: AbortSignal): AsyncGenerator<AuditEventRow[]> {
    const where = filterCondition(scope, filter);
    let key: StorageKey | undefined;
    while (!signal?.aborted) {
      const bound = key ? storageKeyCondition(key) : { sql: [], params: {} };
      const rows = await this.rows(
        `SELECT ${COLUMNS} FROM ${this.database}.audit_events
         WHERE ${[...where.sql, ...bound.sql].join(' AND ')}
         ORDER BY organization_id, occurred_at, event_id
         LIMIT {limit:UInt32}
         ${this.settings}`,
        { ...where.params, ...bound.params, limit: batchRows },
        signal,
      );
      const last = rows.at(-1);
      if (!last) return;
      const unique = withoutAdjacentCopies(rows, key?.eventId);
      if (unique.length > 0) yield unique;
      if (rows.length < batchRows) return;
      key = { organizationId: last.organization_id, occurredAt: last.occurred_at, eventId: last.event_id };
    }
  }

  /** Counts by resource type, action and status in one scan; FINAL so a re-sent copy counts once. */
  async countFacets(scope: TenantScope, filter: AuditEventsFilter, signal?: AbortSignal): Promise<Facets> {
    const where = filterCondition(scope, filter);
    const result = await this.client.query({
      query: `
        SELECT facet.1 AS name, facet.2 AS value, count() AS count
        FROM ${this.database}.audit_events FINAL
        ARRAY JOIN [('resourceType', toString(resource_type)), ('action', toString(action)), ('status', toString(status))] AS facet
        WHERE ${where.sql.join(' AND ')}
        GROUP BY name, value
        ORDER BY name, count DESC, value
        ${this.settings}`,
      query_params: where.params,
      format: 'JSONEachRow',
      abort_signal: signal,
    });
    const facets: Facets = { resourceType: [], action: [], status: [] };
    for (const row of await result.json<{ name: keyof Facets; value: string; count: string | number }>()) {
      facets[row.name].push({ value: row.value, count: Number(row.count) });
    }
    return facets;
  }

  private async rows(query: string, params: Params, signal?: AbortSignal): Promise<AuditEventRow[]> {
    const result = await this.client.query({
      query,
      query_params: params,
      format: 'JSONCompactEachRow',
      abort_signal: signal,
    });
    return (await result.json<unknown[]>()).map(toRow);
  }
}
