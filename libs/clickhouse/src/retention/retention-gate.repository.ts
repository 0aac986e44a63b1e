import type { ClickHouseClient } from '@clickhouse/client';

export interface RetentionGateOptions {
  topology: 'single' | 'cluster';
  /** The cluster of `ON CLUSTER` (CLICKHOUSE_CLUSTER), in the cluster topology. */
  cluster?: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The retention gate (migration 0004): the dictionary the audit_events TTL reads to learn which
 * links a signed expiry statement covers and which an active legal hold keeps. Reloading it and
 * re-applying the TTL are the only statements here; neither changes a row. MATERIALIZE TTL with
 * the table's `materialize_ttl_recalculate_only` recomputes the parts' TTL metadata from the
 * table's own TTL, so that the next TTL merge — the one path that ever removes rows — sees links a
 * new statement released.
 */
export class RetentionGateRepository {
  private readonly dictionary: string;
  private readonly eventsTable: string;
  /** audit_events and the investigations' key table (0006), whose entries expire by the same TTL as their rows. */
  private readonly localTtlTables: string[];
  private readonly onCluster: string;

  constructor(
    private readonly client: ClickHouseClient,
    database: string,
    options: RetentionGateOptions = { topology: 'single' },
  ) {
    if (!IDENTIFIER.test(database)) throw new Error(`database must be a plain identifier, got ${JSON.stringify(database)}`);
    const cluster = options.topology === 'cluster';
    if (cluster && !IDENTIFIER.test(options.cluster ?? '')) throw new Error(`cluster must be a plain identifier, got ${JSON.stringify(options.cluster)}`);
    this.dictionary = `${database}.audit_retention_gate`;
    this.eventsTable = `${database}.audit_events`;
    // Each shard's rows live in its local table; on a single server that is audit_events itself.
    this.localTtlTables = ['audit_events', 'audit_event_keys'].map((table) => `${database}.${table}${cluster ? '_local' : ''}`);
    this.onCluster = cluster ? ` ON CLUSTER ${options.cluster}` : '';
  }

  /** Makes every node's TTL see the statements and holds stored so far. */
  async reload(): Promise<void> {
    await this.client.command({ query: `SYSTEM RELOAD DICTIONARY${this.onCluster} ${this.dictionary}` });
  }

  /**
   * The partitions (the values of 0001's `PARTITION BY toYYYYMM(occurred_at)`) that still hold
   * links of `organizationId` up to `throughSeq`. Bounded by the organization and the chain_seq
   * minmax index: a few granules for links that just expired.
   */
  async partitionsHolding(organizationId: string, throughSeq: number): Promise<number[]> {
    const result = await this.client.query({
      query: `SELECT DISTINCT toYYYYMM(occurred_at) AS partition FROM ${this.eventsTable}
              WHERE organization_id = {organizationId:String} AND chain_seq <= {throughSeq:UInt64}
              SETTINGS max_execution_time = 60`,
      query_params: { organizationId, throughSeq },
      format: 'JSONEachRow',
    });
    return (await result.json<{ partition: number | string }>()).map((row) => Number(row.partition));
  }

  /**
   * Recomputes the TTL metadata of these partitions' parts (waits for it on this node), in
   * audit_events and in audit_event_keys (same partitioning): an investigation's entries go with
   * their rows, never before them.
   */
  async materializeTtl(partitions: Iterable<number>): Promise<void> {
    for (const partition of new Set(partitions)) {
      if (!Number.isSafeInteger(partition) || partition < 0) throw new Error(`partition must be a toYYYYMM value, got ${partition}`);
      for (const table of this.localTtlTables) {
        await this.client.command({
          query: `ALTER TABLE ${table}${this.onCluster} MATERIALIZE TTL IN PARTITION ${partition}`,
          clickhouse_settings: { mutations_sync: '1' },
        });
      }
    }
  }
}
