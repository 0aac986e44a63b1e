import type { ClickHouseClient } from '@clickhouse/client';
import { chunksWithinUrlBudget } from './url-parameter.chunks';

/** One row of `audit_chain_heads`: an organization's chain head after a stored block, and before it. */
export interface ChainHeadRecord {
  organization_id: string;
  chain_seq: number;
  chain_hash: string;
  /** The head before the block: where a replay of the same block must start again. */
  prev_seq: number;
  prev_hash: string;
  /** The expiry of the head link after the block and before it (`YYYY-MM-DD hh:mm:ss.sss`; epoch 0: none). */
  expires_at: string;
  prev_expires_at: string;
  kafka_topic: string;
  kafka_partition: number;
  first_offset: string;
  last_offset: string;
}

/** Reads the newest recorded head of organizations' chains (the ingester's resume point). */
export class AuditChainHeadsReader {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
  ) {}

  /**
   * The newest head per organization among `organizationIds`; absent = no chain yet. argMax rather
   * than FINAL: correct whether or not the table's merges have dropped the older heads yet. A block
   * may name thousands of organizations: they are asked for in requests whose URL stays small
   * (MAX_URL_PARAMETER_BYTES), concurrently (the client's connection pool bounds how many at once).
   */
  async latest(organizationIds: string[]): Promise<Map<string, ChainHeadRecord>> {
    const heads = new Map<string, ChainHeadRecord>();
    const chunks = await Promise.all(chunksWithinUrlBudget(organizationIds).map((organizations) => this.latestOf(organizations)));
    for (const row of chunks.flat()) {
      heads.set(row.organization_id, { ...row, chain_seq: Number(row.chain_seq), prev_seq: Number(row.prev_seq), kafka_partition: Number(row.kafka_partition) });
    }
    return heads;
  }

  private async latestOf(organizations: string[]): Promise<ChainHeadRecord[]> {
    const result = await this.client.query({
      query: `
        SELECT organization_id, head.1 AS chain_seq, head.2 AS chain_hash, head.3 AS prev_seq, head.4 AS prev_hash,
               head.5 AS kafka_topic, head.6 AS kafka_partition, toString(head.7) AS first_offset, toString(head.8) AS last_offset,
               toString(head.9) AS expires_at, toString(head.10) AS prev_expires_at
        FROM (
          SELECT organization_id,
                 argMax(tuple(chain_seq, chain_hash, prev_seq, prev_hash, kafka_topic, kafka_partition, first_offset, last_offset, expires_at, prev_expires_at), chain_seq) AS head
          FROM ${this.database}.audit_chain_heads
          WHERE organization_id IN {organizations:Array(String)}
          GROUP BY organization_id
        )
        SETTINGS max_execution_time = 30`,
      query_params: { organizations },
      format: 'JSONEachRow',
    });
    return result.json<ChainHeadRecord>();
  }
}
