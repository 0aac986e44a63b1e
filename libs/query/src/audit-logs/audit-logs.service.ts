import { AuditChainHeadsReader, AuditEventsReadRepository, AuditExpiryRepository, fromAuditEventRow, keyOf, type AuditEventRow, type AuditEventsFilter, type Facets, type TenantScope } from '@audit/clickhouse';
import { LIMITS, type AuditEvent } from '@audit/contract';
import { parseSearch, type ParsedSearch } from './search.resolver';
import type { SigningKey } from '@audit/integrity';
import { Inject, Injectable } from '@nestjs/common';
import { ReadAuditTrail } from '../audit-trail/read-audit.trail';
import type { Principal } from '../auth/principal';
import { readScope } from '../auth/organization.scope';
import { invalidParameter } from '../http/api-errors';
import { QueryConfig } from '../query.config';
import { EXPORT_SIGNING_KEY, requireSigningKey } from '../evidence/export-signing.key';
import type { AuditLogsExportQueryDto, AuditLogsFilterDto, AuditLogsListQueryDto, ExportFormat } from './audit-logs-query.dto';
import { CSV_EXPORT_COLUMNS, encodeBatches, EXPORT_ENCODERS, type ExportBatch, type ExportEncoder } from './export.format';
import { VerifiedExportEncoder } from './verified-export.encoder';
import { attributesOf, describe, fingerprintOf } from './audit-logs.filters';
import { PageCursorCodec, type PageCursor } from './page-cursor.codec';
import { AuditReadCaches, type StoredPage } from './audit-read.caches';

const DAY_MS = 86_400_000;
/** Rows per query of a verified export (at most; QUERY_EXPORT_BATCH_ROWS when smaller). */
const VERIFIED_BATCH_ROWS = 5_000;
const HAS_ZONE = /(Z|[+-]\d{2}(:?\d{2})?)$/i;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
/** ClickHouse's DateTime64 range: an instant outside it would fail the query (503) or be clamped silently. */
const EARLIEST_INSTANT = Date.UTC(1900, 0, 1);
const LATEST_INSTANT = Date.UTC(2300, 0, 1);

/** An event as a page shows it: `idConflict` when its organization stored other content under the same id and time. */
export type ShownEvent = AuditEvent & { idConflict?: true };

export interface AuditLogPage {
  data: ShownEvent[];
  nextCursor: string | null;
  prevCursor: string | null;
  /**
   * The window the page was read in, resolved on page 1 and carried by its cursors: a client that
   * pages without `from`/`to` can ask facets and export for exactly the window its pages show.
   */
  window: { from: string; to: string };
}

/** A request's filters resolved against the principal: whose rows, which window, which fingerprint. */
export interface ResolvedQuery {
  scope: TenantScope;
  filter: AuditEventsFilter;
  fingerprint: string;
  /** The search (`q`) in its canonical text, for the read's audit event. */
  q?: string;
}

/** A resolved export: its rows' order and its encoder depend on whether it is verified. */
export interface ResolvedExport extends ResolvedQuery {
  format: ExportFormat;
  verified: boolean;
  encoder: ExportEncoder;
  /** Records the export in organizations whose rows are about to be sent (cross-organization exports). */
  recordSources(organizations: readonly string[]): Promise<void>;
}

/**
 * Passes batches on, each only after every organization it holds a row of has been recorded
 * (once per organization; rows come grouped by organization).
 */
async function* recordedFirst<T>(batches: AsyncIterable<T>, organizationsOf: (batch: T) => Iterable<string>, record: (organizations: string[]) => Promise<void>): AsyncGenerator<T> {
  const recorded = new Set<string>();
  for await (const batch of batches) {
    const fresh = [...new Set(organizationsOf(batch))].filter((organization) => !recorded.has(organization));
    if (fresh.length > 0) {
      await record(fresh);
      for (const organization of fresh) recorded.add(organization);
    }
    yield batch;
  }
}

/** ISO-8601 text without a zone is UTC (a server's local zone must not change an answer). */
export function parseInstant(field: string, value: string): number {
  const millis = Date.parse(HAS_ZONE.test(value) || DATE_ONLY.test(value) ? value : `${value}Z`);
  if (Number.isNaN(millis)) throw invalidParameter(field, 'isISO8601', `${field} must be a valid ISO 8601 date`);
  if (millis < EARLIEST_INSTANT || millis >= LATEST_INSTANT) throw invalidParameter(field, 'range', `${field} must be from 1900-01-01 to 2299-12-31 (UTC)`);
  return millis;
}

/** The rules of reading: tenant scope from the token, window defaults and bounds, cursors, auditing. */
@Injectable()
export class AuditLogsService {
  constructor(
    private readonly events: AuditEventsReadRepository,
    private readonly config: QueryConfig,
    private readonly cursors: PageCursorCodec,
    private readonly trail: ReadAuditTrail,
    private readonly heads: AuditChainHeadsReader,
    private readonly expiries: AuditExpiryRepository,
    @Inject(EXPORT_SIGNING_KEY) private readonly signingKey: SigningKey | null,
    private readonly caches: AuditReadCaches,
  ) {}

  /**
   * One page. Every request is audited, and its answer waits for the audit event's
   * acknowledgement (the query runs meanwhile); a security-role read of every organization is
   * recorded also in each organization its rows come from. The rows come from the read cache when
   * the same tenant asked for the same page (same filters, window as given, limit, cursor) within
   * QUERY_CACHE_MS. A page resolved with the default window carries that window in its cursors, so
   * a reused page is exactly the page an earlier request got, cursors included.
   */
  async list(principal: Principal, query: AuditLogsListQueryDto, signal?: AbortSignal): Promise<string> {
    const resolved = this.resolve(principal, query);
    const cursor = query.cursor === undefined ? undefined : this.cursors.decode(query.cursor, resolved.fingerprint);
    const filter = cursor ? { ...resolved.filter, from: cursor.from, to: cursor.to } : resolved.filter;
    const details = { endpoint: 'list', ...describe(filter, resolved.q), cursor: cursor !== undefined };
    // The fingerprint holds the scope and every filter; the cursor (signed over it) the position.
    const key = `${resolved.fingerprint}|${query.limit}|${query.cursor ?? ''}`;
    const [, page] = await Promise.all([
      this.trail.record(principal, 'view', resolved.scope, details),
      this.caches.pages.read(key, (shared) => this.readPage(resolved, filter, cursor, query.limit, shared), signal),
    ]);
    if (resolved.scope === 'all') await this.trail.recordSources(principal, 'view', page.organizations, details);
    return page.json;
  }

  private async readPage(resolved: ResolvedQuery, filter: AuditEventsFilter, cursor: PageCursor | undefined, limit: number, signal: AbortSignal): Promise<StoredPage> {
    const page = await this.events.findPage(
      resolved.scope,
      filter,
      { limit, ...(cursor && (cursor.direction === 'older' ? { olderThan: cursor.key } : { newerThan: cursor.key })) },
      signal,
    );
    const first = page.rows[0];
    const last = page.rows.at(-1);
    const make = (direction: PageCursor['direction'], row: AuditEventRow | undefined) => {
      const key = row ? keyOf(row) : cursor?.key;
      return key ? this.cursors.encode({ direction, key, from: filter.from, to: filter.to, filters: resolved.fingerprint }) : null;
    };
    // Read backwards (prev), the page ends where the cursor started, so older rows exist; read
    // forwards, newer rows exist exactly when the page was reached through a cursor.
    const backwards = cursor?.direction === 'newer';
    const response: AuditLogPage = {
      data: page.rows.map(toShownEvent),
      nextCursor: (backwards || page.hasMore) && (last || cursor) ? make('older', last) : null,
      prevCursor: (backwards ? page.hasMore : cursor !== undefined) ? make('newer', first) : null,
      window: { from: filter.from, to: filter.to },
    };
    const organizations = resolved.scope === 'all' ? [...new Set(page.rows.map((row) => row.organization_id))] : [];
    return { json: JSON.stringify(response), organizations };
  }

  /**
   * Counts of the filtered events, sent once the read's audit event is acknowledged. A
   * cross-organization count is recorded once, in the reader's organization: it returns counts
   * over all of them, no organization's rows.
   */
  async facets(principal: Principal, query: AuditLogsFilterDto, signal?: AbortSignal): Promise<Facets> {
    const resolved = this.resolve(principal, query);
    const [, facets] = await Promise.all([
      this.trail.record(principal, 'view', resolved.scope, { endpoint: 'facets', ...describe(resolved.filter, resolved.q) }),
      this.caches.facets.read(resolved.fingerprint, (shared) => this.events.countFacets(resolved.scope, resolved.filter, shared), signal),
    ]);
    return facets;
  }

  /**
   * Resolves and audits an export; the rows come from {@link exportBatches}. A verified export is
   * NDJSON only (its manifest is a line) and needs the signing key: both are checked, and the
   * export's audit event acknowledged, before any byte is sent, so a refusal is a plain 400 or 503.
   */
  async startExport(principal: Principal, query: AuditLogsExportQueryDto): Promise<ResolvedExport> {
    if (query.verified && query.format !== 'ndjson') throw invalidParameter('verified', 'ndjsonOnly', 'verified exports are NDJSON: use format=ndjson');
    const key = query.verified ? requireSigningKey(this.signingKey) : undefined;
    const resolved = this.resolve(principal, query);
    const details = { endpoint: 'export', format: query.format, verified: query.verified, ...describe(resolved.filter, resolved.q) };
    await this.trail.record(principal, 'export', resolved.scope, details);
    const encoder = key ? new VerifiedExportEncoder(key, this.heads, this.expiries, resolved.scope, resolved.filter) : EXPORT_ENCODERS[query.format];
    const recordSources = (organizations: readonly string[]) => this.trail.recordSources(principal, 'export', organizations, details);
    return { ...resolved, format: query.format, verified: query.verified, encoder, recordSources };
  }

  /**
   * The export's rows as text. Plain: storage order, the text written by ClickHouse and passed
   * through. Verified: chain order (every link, copies included), each row encoded here. Both come
   * by organization: a cross-organization export is recorded in each organization before its first
   * row is sent.
   */
  exportBatches(resolved: ResolvedExport, signal: AbortSignal): AsyncGenerator<ExportBatch> {
    const { scope, filter } = resolved;
    const batchRows = this.config.QUERY_EXPORT_BATCH_ROWS;
    if (resolved.verified) {
      // A verified export's rows are parsed and encoded on the event loop: smaller queries keep each parse short.
      const rows = this.events.streamChained(scope, filter, Math.min(batchRows, VERIFIED_BATCH_ROWS), signal);
      return encodeBatches(scope === 'all' ? recordedFirst(rows, (batch) => batch.map((row) => row.organization_id), resolved.recordSources) : rows, resolved.encoder);
    }
    const text =
      resolved.format === 'csv' ? this.events.streamCsv(scope, filter, CSV_EXPORT_COLUMNS, batchRows, signal) : this.events.streamNdjson(scope, filter, batchRows, signal);
    return scope === 'all' ? recordedFirst(text, (batch) => batch.organizations, resolved.recordSources) : text;
  }

  /**
   * The organization comes from the token; only the security role may read across organizations
   * or name one with `organizationId`. The window defaults to the last QUERY_DEFAULT_WINDOW_DAYS
   * (up to now plus the clock skew the contract accepts) and is bounded by QUERY_MAX_WINDOW_DAYS.
   */
  resolve(principal: Principal, query: AuditLogsFilterDto): ResolvedQuery {
    const scope = readScope(principal, query.organizationId);
    const search: ParsedSearch | undefined = query.q === undefined ? undefined : parseSearch(query.q);
    // A search's created terms narrow the window: they stand in for an absent from/to and intersect a given one.
    const givenTo = query.to !== undefined ? parseInstant('to', query.to) : undefined;
    const givenFrom = query.from !== undefined ? parseInstant('from', query.from) : undefined;
    const to = Math.min(givenTo ?? search?.to ?? Date.now() + LIMITS.maxClockSkewMs, search?.to ?? Infinity);
    const from = Math.max(givenFrom ?? search?.from ?? to - this.config.QUERY_DEFAULT_WINDOW_DAYS * DAY_MS, search?.from ?? -Infinity);
    if (from > to) throw invalidParameter(search ? 'q' : 'from', 'notAfterTo', 'the window is empty: from (or created:>=) must not be after to (or created:<)');
    if (to - from > this.config.QUERY_MAX_WINDOW_DAYS * DAY_MS) {
      throw invalidParameter('from', 'maxWindow', `the window from…to must not exceed ${this.config.QUERY_MAX_WINDOW_DAYS} days`);
    }
    const filter: AuditEventsFilter = {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      ...attributesOf(query),
      ...(search && search.clauses.length > 0 && { search: search.clauses }),
    };
    const fingerprint = fingerprintOf(scope, query, { q: search?.text, from: query.from, to: query.to });
    return { scope, filter, fingerprint, ...(search && { q: search.text }) };
  }
}

function toShownEvent(row: AuditEventRow): ShownEvent {
  const event = fromAuditEventRow(row);
  return row.id_conflict ? { ...event, idConflict: true } : event;
}
