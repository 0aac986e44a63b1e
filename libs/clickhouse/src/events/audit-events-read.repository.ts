import type { ClickHouseClient } from '@clickhouse/client';
import { csvLineSql, ndjsonLineSql } from '../export/export-line.sql';
import { readTextBatch, type KeyedTextBatch, type TextBatch } from '../export/text-batch.reader';
import { AUDIT_EVENT_COLUMNS, CHAINED_COLUMNS, KEYED_COLUMNS, selectList, toRow } from './audit-event.columns';
import { fromClickHouseTime, type AuditEventRow } from './audit-event.row';
import { filterCondition, keyCondition, storageKeyCondition, type AuditEventsFilter, type Condition, type Params, type TenantScope } from './audit-events.conditions';
import { keyOf, markReusedIds, withoutAdjacentCopies, type EventKey } from './event.key';
import { DEFAULT_READ_LIMITS, readSettingsClause, type ReadLimits } from './read-limits.settings';
import { AuditEventKeysRepository } from './audit-event-keys.repository';
import { investigatedKeyOf } from './investigated-key.lookup';

export interface PageRequest {
  limit: number;
  /** Rows strictly older than this key (the next page). */
  olderThan?: EventKey;
  /** Rows strictly newer than this key (the previous page). */
  newerThan?: EventKey;
}

export interface Page {
  /**
   * Newest first, at most `limit` rows, each content once: an identical re-send is dropped, a
   * reused id with other content is a row of its own and both carry `id_conflict`.
   */
  rows: AuditEventRow[];
  /** More rows exist beyond the page in the direction it was read. */
  hasMore: boolean;
}

/** The oldest row an organization still has, and the retention it was stored with. */
export interface OldestStoredEvent {
  /** ISO-8601. */
  occurredAt: string;
  retentionDays: number;
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

/**
 * Read side of the audit log: the query API's queries, built from the WHERE conditions of
 * `audit-events.conditions.ts` and the export lines of `export-line.sql.ts`; every value is a bound
 * parameter and every query carries the {@link ReadLimits}. Data access throws; mapping errors to
 * responses is the caller's job. Rows come back with `occurred_at` as ISO-8601.
 */
export class AuditEventsReadRepository {
  private readonly settings: string;
  private readonly keys: AuditEventKeysRepository;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
    limits: ReadLimits = DEFAULT_READ_LIMITS,
  ) {
    this.settings = readSettingsClause(limits);
    this.keys = new AuditEventKeysRepository(client, database, this.settings);
  }

  /**
   * One page, newest first. Reads `limit + 1` rows to learn whether more exist; if re-sent copies
   * made the page short, it reads on from the last key (rare: copies of one link are merged away,
   * and re-sends are few). The order's last tie-breaks (organization, content digest) keep one
   * organization's event from hiding another's with the same id and time in the all-organizations
   * view, and let a cursor stop between two contents of one reused id.
   */
  async findPage(scope: TenantScope, filter: AuditEventsFilter, page: PageRequest, signal?: AbortSignal): Promise<Page> {
    const direction = page.newerThan ? 'newer' : 'older';
    const start = page.newerThan ?? page.olderThan;
    let key = start;
    const unique: AuditEventRow[] = [];
    for (;;) {
      const want = page.limit + 1 - unique.length;
      const rows = await this.select(scope, filter, key, direction, want, signal);
      // Copies of the row a read starts after are excluded by its strict bound: only adjacent ones are left.
      unique.push(...withoutAdjacentCopies(rows));
      const last = rows.at(-1);
      if (rows.length < want || unique.length > page.limit || !last) break;
      key = keyOf(last);
    }
    markReusedIds(unique, start);
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
    const read = (places: Condition, want: number) =>
      this.rows(
        `SELECT ${selectList(KEYED_COLUMNS)} FROM ${this.database}.audit_events
         WHERE ${[...where.sql, ...bound.sql, ...places.sql].join(' AND ')}
         ORDER BY occurred_at ${order}, event_id ${order}, organization_id ${order}, content_digest ${order}
         LIMIT {limit:UInt32}
         ${this.settings}`,
        { ...where.params, ...bound.params, ...places.params, limit: want },
        signal,
        KEYED_COLUMNS,
      );
    // An actor or resource investigation reads only the places its key's entries name (0006).
    const investigated = investigatedKeyOf(filter);
    if (!investigated) return read({ sql: [], params: {} }, limit);
    const request = { ...(scope !== 'all' && { organizationId: scope.organizationId }), from: filter.from, to: filter.to, edge: key?.occurredAt, direction };
    return this.keys.collect(investigated, request, limit, read, signal);
  }

  /**
   * Every matching row in storage order (organization, then oldest first), in batches of
   * `batchRows`, each batch one keyset query read in primary-key order: memory stays bounded by
   * one batch on a server and on the embedded engine alike (whose `client.query` materializes a
   * whole result), and there is no row cap. Stops when `signal` aborts (client gone).
   */
  async *streamAll(scope: TenantScope, filter: AuditEventsFilter, batchRows: number, signal?: AbortSignal): AsyncGenerator<AuditEventRow[]> {
    yield* this.streamInStorageOrder(filterCondition(scope, filter), AUDIT_EVENT_COLUMNS, batchRows, signal);
  }

  /**
   * What {@link streamAll} yields, as NDJSON text that ClickHouse writes itself (see
   * {@link ndjsonLineSql}): the rows are never parsed or re-encoded here, only passed through.
   */
  streamNdjson(scope: TenantScope, filter: AuditEventsFilter, batchRows: number, signal?: AbortSignal): AsyncGenerator<TextBatch> {
    return this.streamText(filterCondition(scope, filter), ndjsonLineSql(), batchRows, signal);
  }

  /** What {@link streamAll} yields, as CSV records of `columns` that ClickHouse writes itself (no header). */
  streamCsv(scope: TenantScope, filter: AuditEventsFilter, columns: ReadonlyArray<keyof AuditEventRow>, batchRows: number, signal?: AbortSignal): AsyncGenerator<TextBatch> {
    return this.streamText(filterCondition(scope, filter), csvLineSql(columns), batchRows, signal);
  }

  /**
   * Rows matching `where` as text lines in storage order, in keyset batches of at most
   * `batchRows` (bounded memory on a server and on the embedded engine alike, no row cap). Each row
   * also carries its key, so the next batch's bound needs no parsing of the text; the export ends
   * at the first empty batch. The next batch is queried while the caller writes this one: the
   * engine's threads and the caller's event loop overlap, and at most two batches are held.
   */
  private async *streamText(where: Condition, line: string, batchRows: number, signal?: AbortSignal): AsyncGenerator<TextBatch> {
    const read = (key?: EventKey): Promise<KeyedTextBatch> => {
      const batch = this.textBatch(where, line, key, batchRows, signal);
      // Handled here so that a batch read ahead and then abandoned (client gone) rejects quietly.
      batch.catch(() => undefined);
      return batch;
    };
    let next: Promise<KeyedTextBatch> | undefined = read();
    while (next && !signal?.aborted) {
      const batch: KeyedTextBatch = await next;
      next = batch.last ? read(batch.last) : undefined;
      if (batch.rows > 0) yield { rows: batch.rows, text: batch.text, organizations: batch.organizations };
    }
  }

  /**
   * One batch: the inner query reads at most `batchRows` rows in primary-key order and stops (a
   * `LIMIT 1 BY` over the table itself would make ClickHouse read the whole rest of the range for
   * every batch); the outer one drops identical copies (same digest, adjacent) and writes each
   * line. A copy that straddles two batches is dropped by the next batch's strict bound. The digest
   * covers organization, time and id, so it alone tells a copy from another event.
   */
  private async textBatch(where: Condition, line: string, key: EventKey | undefined, batchRows: number, signal?: AbortSignal): Promise<KeyedTextBatch> {
    const bound = key ? storageKeyCondition(key) : { sql: [], params: {} };
    const result = await this.client.exec({
      query: `SELECT ${line}, organization_id, toUnixTimestamp64Milli(occurred_at), toString(event_id), content_digest
              FROM (
                SELECT ${AUDIT_EVENT_COLUMNS.join(', ')}, content_digest FROM ${this.database}.audit_events
                WHERE ${[...where.sql, ...bound.sql].join(' AND ')}
                ORDER BY organization_id, occurred_at, event_id, content_digest
                LIMIT {limit:UInt32}
              )
              ORDER BY organization_id, occurred_at, event_id, content_digest
              LIMIT 1 BY content_digest
              ${this.settings}, output_format_json_escape_forward_slashes = 0
              FORMAT RowBinary`,
      query_params: { ...where.params, ...bound.params, limit: batchRows },
      abort_signal: signal,
    });
    const chunks: Buffer[] = [];
    for await (const chunk of result.stream) chunks.push(chunk as Buffer);
    return readTextBatch(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
  }

  /** Rows matching `where` in storage order, keyset batches, identical copies (same digest, adjacent) dropped. */
  private async *streamInStorageOrder(
    where: Condition,
    contentColumns: ReadonlyArray<keyof AuditEventRow>,
    batchRows: number,
    signal?: AbortSignal,
  ): AsyncGenerator<AuditEventRow[]> {
    const columns = [...contentColumns, 'content_digest' as const];
    let key: EventKey | undefined;
    while (!signal?.aborted) {
      const bound = key ? storageKeyCondition(key) : { sql: [], params: {} };
      const rows = await this.rows(
        `SELECT ${selectList(columns)} FROM ${this.database}.audit_events
         WHERE ${[...where.sql, ...bound.sql].join(' AND ')}
         ORDER BY organization_id, occurred_at, event_id, content_digest
         LIMIT {limit:UInt32}
         ${this.settings}`,
        { ...where.params, ...bound.params, limit: batchRows },
        signal,
        columns,
      );
      const last = rows.at(-1);
      if (!last) return;
      // Copies of the previous batch's last row are excluded by the strict bound.
      const unique = withoutAdjacentCopies(rows);
      if (unique.length > 0) yield unique;
      if (rows.length < batchRows) return;
      key = keyOf(last);
    }
  }

  /**
   * Every matching row with its chain link, in chain order: by organization, its rows stored
   * before the chain (sequence 0) first, then by `chain_seq`. Unlike {@link streamAll} a re-sent
   * copy of an event is kept — the chain counted it under its own sequence number, and a verifier
   * would otherwise see a hole — and only exact copies of one link (a replayed block not yet
   * merged) are dropped. One plan query finds each organization's sequence range within the
   * filters; then each batch is a range of `batchRows` sequence numbers, which the chain_seq
   * minmax index narrows to its own granules (sequence grows with time inside an organization),
   * so an export reads each row about once however long it is. No row cap.
   */
  async *streamChained(scope: TenantScope, filter: AuditEventsFilter, batchRows: number, signal?: AbortSignal): AsyncGenerator<AuditEventRow[]> {
    for (const plan of await this.chainPlans(filterCondition(scope, filter), signal)) {
      const where = filterCondition({ organizationId: plan.organizationId }, filter);
      if (plan.unchained > 0) {
        const unchained = { sql: [...where.sql, 'chain_seq = 0'], params: where.params };
        yield* this.streamInStorageOrder(unchained, CHAINED_COLUMNS, batchRows, signal);
      }
      for (let low = plan.firstSeq; low > 0 && low <= plan.lastSeq && !signal?.aborted; low += batchRows) {
        const rows = await this.rows(
          `SELECT ${CHAINED_COLUMNS.join(', ')} FROM ${this.database}.audit_events
           WHERE ${[...where.sql, 'chain_seq >= {low:UInt64}', 'chain_seq <= {high:UInt64}'].join(' AND ')}
           ORDER BY chain_seq, occurred_at, event_id, chain_hash
           LIMIT 1 BY chain_seq, occurred_at, event_id, chain_hash
           ${this.settings}`,
          { ...where.params, low, high: Math.min(plan.lastSeq, low + batchRows - 1) },
          signal,
          CHAINED_COLUMNS,
        );
        for (const row of rows) row.chain_seq = Number(row.chain_seq);
        if (rows.length > 0) yield rows;
      }
    }
  }

  /** Per organization with rows matching `where`: how many predate the chain, and the sequence range of the rest (0 when none). */
  private async chainPlans(where: Condition, signal?: AbortSignal): Promise<Array<{ organizationId: string; unchained: number; firstSeq: number; lastSeq: number }>> {
    const result = await this.client.query({
      query: `SELECT organization_id, countIf(chain_seq = 0) AS unchained, minIf(chain_seq, chain_seq > 0) AS first, max(chain_seq) AS last
              FROM ${this.database}.audit_events
              WHERE ${where.sql.join(' AND ')}
              GROUP BY organization_id
              ORDER BY organization_id
              ${this.settings}`,
      query_params: where.params,
      format: 'JSONEachRow',
      abort_signal: signal,
    });
    return (await result.json<{ organization_id: string; unchained: string | number; first: string | number; last: string | number }>()).map((row) => ({
      organizationId: row.organization_id,
      unchained: Number(row.unchained),
      firstSeq: Number(row.first),
      lastSeq: Number(row.last),
    }));
  }

  /**
   * Counts by resource type, action and status in one scan. A re-sent copy of an event (same
   * content) is a row of its own — the hash chain counts every delivery, so the engine never
   * merges one away — and `LIMIT 1 BY` its content digest makes it count once, as pages show it
   * once; other content under a reused id counts as the event it is.
   */
  async countFacets(scope: TenantScope, filter: AuditEventsFilter, signal?: AbortSignal): Promise<Facets> {
    const where = filterCondition(scope, filter);
    const result = await this.client.query({
      query: `
        SELECT facet.1 AS name, facet.2 AS value, count() AS count
        FROM (
          SELECT resource_type, action, status
          FROM ${this.database}.audit_events
          WHERE ${where.sql.join(' AND ')}
          LIMIT 1 BY content_digest
        )
        ARRAY JOIN [('resourceType', toString(resource_type)), ('action', toString(action)), ('status', toString(status))] AS facet
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

  /**
   * The organization's oldest stored event and the retention it was stored with (what the TTL has
   * left); undefined when it has none. Read in primary-key order with LIMIT 1: a few granules.
   */
  async oldestEvent(scope: { organizationId: string }, signal?: AbortSignal): Promise<OldestStoredEvent | undefined> {
    const result = await this.client.query({
      query: `SELECT occurred_at, retention_days FROM ${this.database}.audit_events
              WHERE organization_id = {organizationId:String}
              ORDER BY occurred_at
              LIMIT 1
              ${this.settings}`,
      query_params: { organizationId: scope.organizationId },
      format: 'JSONEachRow',
      abort_signal: signal,
    });
    const [row] = await result.json<{ occurred_at: string; retention_days: number | string }>();
    return row ? { occurredAt: fromClickHouseTime(row.occurred_at), retentionDays: Number(row.retention_days) } : undefined;
  }

  private async rows(query: string, params: Params, signal?: AbortSignal, columns: ReadonlyArray<keyof AuditEventRow> = AUDIT_EVENT_COLUMNS): Promise<AuditEventRow[]> {
    const result = await this.client.query({
      query,
      query_params: params,
      format: 'JSONCompactEachRow',
      abort_signal: signal,
    });
    return (await result.json<unknown[]>()).map((values) => toRow(values, columns));
  }
}
