import type { ClickHouseClient } from '@clickhouse/client';
import type { ChainHead, ChainSource, SignedChainCheckpoint, SignedExpiryStatement, StoredLink } from '@audit/integrity';
import { AuditChainHeadsReader } from './audit-chain-heads.reader';
import { fromClickHouseTime, toClickHouseTime } from '../events/audit-event.row';
import { CHAINED_COLUMNS } from '../events/audit-event.columns';
import type { TenantScope } from '../events/audit-events.conditions';
import { DEFAULT_READ_LIMITS, readSettingsClause, type ReadLimits } from '../events/read-limits.settings';
import { AuditExpiryRepository } from '../retention/audit-expiry.repository';
import { toCheckpoint, type CheckpointRow } from './signed-anchor.rows';

const LINK_COLUMNS = [...CHAINED_COLUMNS, 'retention_days'] as const;

/** A stored link with the retention it was stored with (what a link without `expires_at` expires by). */
export interface RetainedLink extends StoredLink {
  retention_days: number;
}

/** An organization's head as the ingester last recorded it. */
export interface OrganizationHead extends ChainHead {
  organizationId: string;
}

export interface AuditChainRepositoryOptions {
  limits?: ReadLimits;
  /** Sequence numbers per query when streaming a chain (memory holds about one batch). */
  batchRows?: number;
}

type Params = Record<string, unknown>;


/** A stored time in the one text form the chain hashes, whichever form the connection returned. */
export const chainTimeText = (text: string) => toClickHouseTime(fromClickHouseTime(text));

function toLink(values: unknown[]): RetainedLink {
  const row = {} as Record<string, unknown>;
  for (let i = 0; i < LINK_COLUMNS.length; i++) row[LINK_COLUMNS[i]] = values[i];
  row.occurred_at = chainTimeText(row.occurred_at as string);
  if (row.expires_at !== null) row.expires_at = chainTimeText(row.expires_at as string);
  row.chain_seq = Number(row.chain_seq);
  row.schema_version = Number(row.schema_version);
  row.retention_days = Number(row.retention_days);
  return row as unknown as RetainedLink;
}


/**
 * Data access of the hash chain (libs/integrity): an organization's rows in chain order for
 * verification, the ingester's head records, and the signed checkpoints. Per-organization queries
 * bind the organization as a parameter (only the checkpoint writer's `latestHeads` and
 * `checkpointedSeqs` span all organizations); its own reads carry the read limits; data access
 * throws. Heads are read through {@link AuditChainHeadsReader} (argMax, never FINAL or merges).
 */
export class AuditChainRepository implements ChainSource {
  private readonly settings: string;
  private readonly batchRows: number;
  private readonly headsReader: AuditChainHeadsReader;
  private readonly expiries: AuditExpiryRepository;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
    options: AuditChainRepositoryOptions = {},
  ) {
    this.headsReader = new AuditChainHeadsReader(client, database);
    this.expiries = new AuditExpiryRepository(client, database);
    this.batchRows = options.batchRows ?? 20_000;
    if (!Number.isSafeInteger(this.batchRows) || this.batchRows < 1) throw new Error(`batchRows must be a positive integer, got ${this.batchRows}`);
    const limits = options.limits ?? DEFAULT_READ_LIMITS;
    // A batch of n sequence numbers may hold a few exact copies of a link (a replayed block not yet
    // merged): read up to 2n rows per batch.
    this.settings = readSettingsClause({ ...limits, maxResultRows: Math.max(limits.maxResultRows, 2 * this.batchRows) });
  }

  /**
   * Rows with chain_seq in [fromSeq, toSeq], ordered by chain_seq, one bounded range of sequence
   * numbers per query (the chain_seq minmax index skips the granules outside it).
   */
  async *streamLinks(organizationId: string, fromSeq: number, toSeq: number, signal?: AbortSignal): AsyncGenerator<RetainedLink[]> {
    for (let low = Math.max(1, fromSeq); low <= toSeq && !signal?.aborted; low += this.batchRows) {
      const high = Math.min(toSeq, low + this.batchRows - 1);
      const result = await this.client.query({
        query: `SELECT ${LINK_COLUMNS.join(', ')} FROM ${this.database}.audit_events
                WHERE organization_id = {organizationId:String} AND chain_seq >= {low:UInt64} AND chain_seq <= {high:UInt64}
                ORDER BY chain_seq, event_id, chain_hash
                LIMIT {limit:UInt32}
                ${this.settings}`,
        query_params: { organizationId, low, high, limit: 2 * this.batchRows },
        format: 'JSONCompactEachRow',
        abort_signal: signal,
      });
      const rows = (await result.json<unknown[]>()).map(toLink);
      if (rows.length > 0) yield rows;
    }
  }

  async storedEnd(organizationId: string): Promise<number> {
    const [row] = await this.select<{ end: string | number }>(
      `SELECT max(chain_seq) AS end FROM ${this.database}.audit_events WHERE organization_id = {organizationId:String}`,
      { organizationId },
    );
    return Number(row?.end ?? 0);
  }

  /** Lowest and highest chain_seq of the chained rows with occurred_at in [from, to) (ISO-8601; absent: open). */
  async seqRange(organizationId: string, window: { from?: string; to?: string }): Promise<{ first: number; last: number } | undefined> {
    const conditions = ['organization_id = {organizationId:String}', 'chain_seq > 0'];
    const params: Params = { organizationId };
    if (window.from !== undefined) {
      conditions.push("occurred_at >= {from:DateTime64(3, 'UTC')}");
      params.from = toClickHouseTime(window.from);
    }
    if (window.to !== undefined) {
      conditions.push("occurred_at < {to:DateTime64(3, 'UTC')}");
      params.to = toClickHouseTime(window.to);
    }
    const [row] = await this.select<{ first: string | number; last: string | number; rows: string | number }>(
      `SELECT min(chain_seq) AS first, max(chain_seq) AS last, count() AS rows FROM ${this.database}.audit_events WHERE ${conditions.join(' AND ')}`,
      params,
    );
    return row && Number(row.rows) > 0 ? { first: Number(row.first), last: Number(row.last) } : undefined;
  }

  /**
   * Each organization's lowest chain_seq among the rows stored (`ingested_at`) at or after `since`
   * (ISO-8601): where an outbound stream's backfill from that moment starts. Scans `ingested_at`
   * (not in the sorting key): a rare operation.
   */
  async firstSeqsStoredSince(scope: TenantScope, since: string): Promise<Map<string, number>> {
    const rows = await this.select<{ organization_id: string; seq: string | number }>(
      `SELECT organization_id, min(chain_seq) AS seq FROM ${this.database}.audit_events
       WHERE ingested_at >= {since:DateTime64(3, 'UTC')} AND chain_seq > 0${scope === 'all' ? '' : ' AND organization_id = {organizationId:String}'}
       GROUP BY organization_id`,
      { since: toClickHouseTime(since), ...(scope !== 'all' && { organizationId: scope.organizationId }) },
    );
    return new Map(rows.map((row) => [row.organization_id, Number(row.seq)]));
  }

  /** The sequence whose stored chain_hash is `hash` (one scan of the organization; used at a break only). */
  async seqOfHash(organizationId: string, hash: string): Promise<number | undefined> {
    const [row] = await this.select<{ seq: string | number }>(
      `SELECT chain_seq AS seq FROM ${this.database}.audit_events
       WHERE organization_id = {organizationId:String} AND chain_hash = {hash:String} AND chain_seq > 0
       ORDER BY chain_seq LIMIT 1`,
      { organizationId, hash },
    );
    return row ? Number(row.seq) : undefined;
  }

  async latestHead(organizationId: string): Promise<ChainHead | undefined> {
    const head = (await this.headsReader.latest([organizationId])).get(organizationId);
    return head ? { seq: head.chain_seq, hash: head.chain_hash } : undefined;
  }

  /**
   * Every organization's latest head record, in one aggregation (not the reader's `IN` list: with
   * many tenants that list would outgrow a request).
   */
  async latestHeads(): Promise<OrganizationHead[]> {
    const rows = await this.select<{ organization_id: string; seq: string | number; hash: string }>(
      `SELECT organization_id, max(chain_seq) AS seq, argMax(chain_hash, chain_seq) AS hash
       FROM ${this.database}.audit_chain_heads GROUP BY organization_id ORDER BY organization_id`,
      {},
    );
    return rows.map((row) => ({ organizationId: row.organization_id, seq: Number(row.seq), hash: row.hash }));
  }

  async insertCheckpoints(checkpoints: SignedChainCheckpoint[]): Promise<void> {
    if (checkpoints.length === 0) return;
    await this.client.insert({
      table: `${this.database}.audit_chain_checkpoints`,
      format: 'JSONEachRow',
      values: checkpoints.map((checkpoint) => ({
        organization_id: checkpoint.organizationId,
        chain_seq: checkpoint.chainSeq,
        chain_hash: checkpoint.chainHash,
        signed_at: toClickHouseTime(checkpoint.signedAt),
        key_id: checkpoint.keyId,
        signature: checkpoint.signature,
      })),
    });
  }

  /** The newest checkpoint of an organization (highest sequence, latest signature), or the newest at or below `atMostSeq`. */
  async newestCheckpoint(organizationId: string, atMostSeq?: number): Promise<SignedChainCheckpoint | undefined> {
    const [row] = await this.select<CheckpointRow>(
      `SELECT organization_id, chain_seq, chain_hash, signed_at, key_id, signature FROM ${this.database}.audit_chain_checkpoints
       WHERE organization_id = {organizationId:String}${atMostSeq === undefined ? '' : ' AND chain_seq <= {atMostSeq:UInt64}'}
       ORDER BY chain_seq DESC, signed_at DESC LIMIT 1`,
      { organizationId, ...(atMostSeq !== undefined && { atMostSeq }) },
    );
    return row ? toCheckpoint(row) : undefined;
  }

  newestExpiry(organizationId: string): Promise<SignedExpiryStatement | undefined> {
    return this.expiries.newest(organizationId);
  }

  /** Each organization's highest checkpointed sequence (where the checkpoint writer resumes). */
  async checkpointedSeqs(): Promise<Map<string, number>> {
    const rows = await this.select<{ organization_id: string; seq: string | number }>(
      `SELECT organization_id, max(chain_seq) AS seq FROM ${this.database}.audit_chain_checkpoints GROUP BY organization_id`,
      {},
    );
    return new Map(rows.map((row) => [row.organization_id, Number(row.seq)]));
  }

  private async select<T>(query: string, params: Params): Promise<T[]> {
    const result = await this.client.query({ query: `${query} ${this.settings}`, query_params: params, format: 'JSONEachRow' });
    return result.json<T>();
  }
}
