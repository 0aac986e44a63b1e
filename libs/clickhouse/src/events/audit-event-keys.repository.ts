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

/** The first chunk of entries is the page's size; each next one this many times larger, up to the cap. */
const GROWTH = 4;
const MAX_ENTRIES = 65_536;

/** A chunk of a key's entries: how many, and the instants it spans (ClickHouse text, both included). */
interface Chunk {
  entries: number;
  low: string;
  high: string;
}

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
   * being the caller's query narrowed to some places and asked for at most `want` rows. Entries are
   * taken in chunks ending on a whole instant (`LIMIT … WITH TIES`), so each chunk covers its time
   * span completely and every row `read` returns from a later chunk lies beyond every row of an
   * earlier one: the rows come out in the read's order. A chunk that yields too few rows (other
   * filters dropped them) is followed by a larger one, until `limit` rows or the key's last entry.
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
    for (let size = limit; ; size = Math.min(size * GROWTH, MAX_ENTRIES)) {
      const chunk = await this.chunk(key, { ...request, edge }, inclusive, size, signal);
      if (chunk.entries === 0) return rows;
      // The span's end is the instant after its newest entry: spans are half-open, as windows are.
      const end = toClickHouseTime(new Date(Date.parse(fromClickHouseTime(chunk.high)) + 1).toISOString());
      rows.push(...(await read(this.placesCondition(key, request.organizationId, chunk.low, end), limit - rows.length)));
      if (rows.length >= limit || chunk.entries < size) return rows;
      edge = fromClickHouseTime(request.direction === 'older' ? chunk.low : chunk.high);
      inclusive = false;
    }
  }

  /** The next `size` entries from the edge (all of the last instant): their number and time span. */
  private async chunk(key: InvestigatedKey, request: PlacesRequest, inclusive: boolean, size: number, signal?: AbortSignal): Promise<Chunk> {
    const older = request.direction === 'older';
    const conditions = [...entryConditions(key, request.organizationId), "occurred_at >= {from:DateTime64(3, 'UTC')}", "occurred_at < {to:DateTime64(3, 'UTC')}"];
    const params: Params = { ...entryParams(key, request.organizationId), from: toClickHouseTime(request.from), to: toClickHouseTime(request.to), size };
    if (request.edge !== undefined) {
      conditions.push(`occurred_at ${older ? '<' : '>'}${inclusive ? '=' : ''} {edge:DateTime64(3, 'UTC')}`);
      params.edge = toClickHouseTime(request.edge);
    }
    const result = await this.client.query({
      query: `SELECT count(), min(occurred_at), max(occurred_at) FROM (
                SELECT occurred_at FROM ${this.database}.audit_event_keys
                WHERE ${conditions.join(' AND ')}
                ORDER BY occurred_at ${older ? 'DESC' : 'ASC'}
                LIMIT {size:UInt32} WITH TIES
              )
              ${this.settings}`,
      query_params: params,
      format: 'JSONCompactEachRow',
      abort_signal: signal,
    });
    const [[entries, low, high]] = await result.json<[number | string, string, string]>();
    return { entries: Number(entries), low, high };
  }

  /**
   * Every place of the key's entries in the filter's window, as a condition on audit_events (for
   * the scans that count rather than page: histograms and top lists). Same guarantee as a page's
   * places: every row the filter matches in the window is at one of them.
   */
  windowCondition(key: InvestigatedKey, organizationId: string | undefined, from: string, to: string): Condition {
    return this.placesCondition(key, organizationId, toClickHouseTime(from), toClickHouseTime(to));
  }

  /**
   * The places of the key's entries in [low, high) as a condition on audit_events: the span, and
   * (organization, time) in the set of those entries, which the primary index reads granule by
   * granule. Every matching row inside the span has its place in the set, so the caller's filter
   * finds exactly what a scan of the span would. The places travel as a subquery, not as values:
   * query parameters go in the URL, and a chunk can name thousands.
   */
  private placesCondition(key: InvestigatedKey, organizationId: string | undefined, low: string, high: string): Condition {
    const span = "occurred_at >= {placeLow:DateTime64(3, 'UTC')} AND occurred_at < {placeHigh:DateTime64(3, 'UTC')}";
    return {
      sql: [
        span,
        `(organization_id, occurred_at) IN (SELECT organization_id, occurred_at FROM ${this.database}.audit_event_keys
          WHERE ${[...entryConditions(key, organizationId, 'place'), span].join(' AND ')})`,
      ],
      params: { ...entryParams(key, organizationId, 'place'), placeLow: low, placeHigh: high },
    };
  }
}

const parameter = (prefix: string, name: string) => (prefix ? `${prefix}${name[0].toUpperCase()}${name.slice(1)}` : name);

/** The key's entries (in one organization, for its reader), with parameter names under `prefix`. */
function entryConditions(key: InvestigatedKey, organizationId: string | undefined, prefix = ''): string[] {
  const values = `{${parameter(prefix, 'values')}:Array(String)}`;
  return [
    `key_kind = {${parameter(prefix, 'kind')}:String}`,
    // Addresses are entered in one canonical text (0006), and looked up in it.
    key.kind === 'ip' ? `key_value IN arrayMap(address -> IPv6NumToString(toIPv6(address)), ${values})` : `key_value IN ${values}`,
    ...(organizationId === undefined ? [] : [`organization_id = {${parameter(prefix, 'organizationId')}:String}`]),
  ];
}

function entryParams(key: InvestigatedKey, organizationId: string | undefined, prefix = ''): Params {
  return {
    [parameter(prefix, 'kind')]: key.kind,
    [parameter(prefix, 'values')]: key.values,
    ...(organizationId !== undefined && { [parameter(prefix, 'organizationId')]: organizationId }),
  };
}
