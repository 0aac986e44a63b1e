import type { ClickHouseClient } from '@clickhouse/client';
import { fromClickHouseTime, toClickHouseTime, type AuditEventRow } from './audit-event.row';
import type { Condition, Params } from './audit-events.conditions';
import type { InvestigatedKey } from './investigated-key.lookup';

export interface PlacesRequest {
  /** The reader's organization, or every one (the security role). */
  organizationId?: string;
  /** The window, ISO-8601, [from, to). */
  from: string;
  to: string;
  /** Where the reading stands (a cursor's time, ISO-8601): places at it are included, the rest lie beyond it. */
  edge?: string;
  direction: 'older' | 'newer';
}

/** The first chunk of places is the page's size; each next one this many times larger, up to the cap. */
const GROWTH = 4;
const MAX_PLACES = 65_536;

/**
 * The investigations' access path (migration 0006): the places — (organization, time) — of the
 * rows that have an entry for an actor, resource or IP, read from `audit_event_keys` in the key's
 * own range, newest or oldest first. A read by such a key costs what it returns instead of every
 * granule of its window. The places only narrow where audit_events is read; the caller's query
 * keeps every filter, the tenant scope and the copy handling, so its answer is the one it would give
 * without them.
 */
export class AuditEventKeysRepository {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
    private readonly settings: string,
  ) {}

  /**
   * The first `limit` rows in the read's direction that `read` finds among the key's places, `read`
   * being the caller's query narrowed to some places and asked for at most `want` rows. Places are
   * taken in chunks ending on a whole instant (`LIMIT … WITH TIES`), so each chunk covers a time
   * range completely and every row `read` returns from a later chunk lies beyond every row of an
   * earlier one: the rows come out in the read's order. A chunk that yields too few rows (other
   * filters dropped them) is followed by a larger one, until `limit` rows or the key's last place.
   */
  async collect(
    key: InvestigatedKey,
    request: PlacesRequest,
    limit: number,
    read: (places: Condition, want: number) => Promise<AuditEventRow[]>,
    signal?: AbortSignal,
  ): Promise<AuditEventRow[]> {
    const rows: AuditEventRow[] = [];
    let edge = request.edge;
    let inclusive = true;
    for (let size = limit; ; size = Math.min(size * GROWTH, MAX_PLACES)) {
      const chunk = await this.places(key, { ...request, edge }, inclusive, size, signal);
      if (chunk.organizations.length === 0) return rows;
      rows.push(...(await read(placesCondition(chunk), limit - rows.length)));
      if (rows.length >= limit || chunk.entries < size) return rows;
      edge = chunk.last;
      inclusive = false;
    }
  }

  /** One chunk: at least `size` entries (all of the last instant), as distinct places; `entries` counts the entries read. */
  private async places(key: InvestigatedKey, request: PlacesRequest, inclusive: boolean, size: number, signal?: AbortSignal): Promise<Places> {
    const older = request.direction === 'older';
    const conditions = [
      'key_kind = {kind:String}',
      // Addresses are entered in one canonical text (0006), and looked up in it.
      key.kind === 'ip' ? 'key_value IN arrayMap(address -> IPv6NumToString(toIPv6(address)), {values:Array(String)})' : 'key_value IN {values:Array(String)}',
      "occurred_at >= {from:DateTime64(3, 'UTC')}",
      "occurred_at < {to:DateTime64(3, 'UTC')}",
    ];
    const params: Params = { kind: key.kind, values: key.values, from: toClickHouseTime(request.from), to: toClickHouseTime(request.to), size };
    if (request.organizationId !== undefined) {
      conditions.push('organization_id = {organizationId:String}');
      params.organizationId = request.organizationId;
    }
    if (request.edge !== undefined) {
      conditions.push(`occurred_at ${older ? '<' : '>'}${inclusive ? '=' : ''} {edge:DateTime64(3, 'UTC')}`);
      params.edge = toClickHouseTime(request.edge);
    }
    const result = await this.client.query({
      query: `SELECT organization_id, occurred_at FROM ${this.database}.audit_event_keys
              WHERE ${conditions.join(' AND ')}
              ORDER BY occurred_at ${older ? 'DESC' : 'ASC'}
              LIMIT {size:UInt32} WITH TIES
              ${this.settings}`,
      query_params: params,
      format: 'JSONCompactEachRow',
      abort_signal: signal,
    });
    const entries = await result.json<[string, string]>();
    const organizations = new Set<string>();
    const times = new Set<string>();
    for (const [organization, time] of entries) {
      organizations.add(organization);
      times.add(time);
    }
    const last = entries.at(-1)?.[1];
    return { entries: entries.length, organizations: [...organizations], times: [...times], last: last === undefined ? undefined : fromClickHouseTime(last) };
  }
}

interface Places {
  entries: number;
  organizations: string[];
  /** As ClickHouse wrote them (`YYYY-MM-DD hh:mm:ss.sss`). */
  times: string[];
  /** The chunk's last instant, ISO-8601. */
  last?: string;
}

/**
 * Rows at one of the chunk's instants in one of its organizations: a superset of its places (an
 * organization crossed with another's instant), which is harmless — the caller's filter decides
 * which rows match, and every matching row inside the chunk's time range has its place in the
 * chunk. Both lists are key columns, so the primary index reads only their granules.
 */
function placesCondition(places: Places): Condition {
  return {
    sql: ['organization_id IN {placeOrganizations:Array(String)}', "occurred_at IN {placeTimes:Array(DateTime64(3, 'UTC'))}"],
    params: { placeOrganizations: places.organizations, placeTimes: places.times },
  };
}
