import type { AuditChainHeadsReader, ChainHeadRecord } from '@audit/clickhouse';
import { chainTimeMs, GENESIS, type ChainState } from '@audit/integrity';
import { Logger } from '@nestjs/common';
import type { OffsetRange } from '../transport/offset-range';

/** A block's place in Kafka: whose chain state it continues. */
export interface BlockPosition extends OffsetRange {
  topic: string;
  partition: number;
}

interface PartitionHeads {
  /** The offset right after the last block this process chained on the partition. */
  next: string;
  heads: Map<string, ChainState>;
}

/**
 * Organizations' chain heads as this ingester last stored them, per partition, so chaining a block
 * costs no query in the common case. The cache is only a shortcut for `audit_chain_heads`: when a
 * block does not start where this process's last block on that partition ended (a restart, a
 * rebalance, a replay), the partition's entry is dropped and heads are read again, as they stood
 * just before the block.
 */
export class ChainHeadsCache {
  private readonly logger = new Logger(ChainHeadsCache.name);
  private readonly partitions = new Map<string, PartitionHeads>();

  /**
   * @param capacity organizations kept per partition; past it the entry is emptied and refilled
   *   from the table (bounded memory whatever the number of tenants; a refill is one query).
   */
  constructor(
    private readonly reader: Pick<AuditChainHeadsReader, 'latest'>,
    private readonly capacity = 100_000,
  ) {}

  /** The heads of `organizations` as they stood just before `block.first`. */
  async before(block: BlockPosition, organizations: Iterable<string>): Promise<Map<string, ChainState>> {
    const key = `${block.topic}:${block.partition}`;
    let entry = this.partitions.get(key);
    if (!entry || entry.next !== block.first || entry.heads.size > this.capacity) {
      entry = { next: block.first, heads: new Map() };
      this.partitions.set(key, entry);
    }
    const missing = [...organizations].filter((organization) => !entry.heads.has(organization));
    if (missing.length > 0) {
      const stored = await this.reader.latest(missing);
      for (const organization of missing) entry.heads.set(organization, this.resumePoint(block, stored.get(organization)));
    }
    return new Map([...organizations].map((organization) => [organization, entry.heads.get(organization) as ChainState]));
  }

  /** Records the heads after `block` was stored (rows and heads) and before its offsets are committed. */
  advance(block: BlockPosition, heads: Map<string, ChainState>): void {
    const key = `${block.topic}:${block.partition}`;
    const entry = this.partitions.get(key);
    if (!entry || entry.next !== block.first) return;
    for (const [organization, head] of heads) entry.heads.set(organization, head);
    entry.next = (BigInt(block.last) + 1n).toString();
  }

  /**
   * Where to continue from the newest stored head. A head written by this very block (or a later
   * one) means the block already landed before a crash or rebalance and is being replayed: chain
   * it again from the head before it, so every hash comes out as stored.
   */
  private resumePoint(block: BlockPosition, stored: ChainHeadRecord | undefined): ChainState {
    if (!stored) return GENESIS;
    const samePartition = stored.kafka_topic === block.topic && stored.kafka_partition === block.partition;
    if (samePartition && BigInt(stored.first_offset) >= BigInt(block.first)) {
      if (stored.first_offset !== block.first) {
        this.logger.warn(`chain head of ${stored.organization_id} was written at offset ${stored.first_offset}, after block ${block.first}-${block.last}: were the group's offsets reset?`);
      }
      return { seq: stored.prev_seq, hash: stored.prev_hash, expiresAt: chainTimeMs(stored.prev_expires_at) };
    }
    if (!samePartition) {
      this.logger.warn(`organization ${stored.organization_id} moved from ${stored.kafka_topic}[${stored.kafka_partition}] to ${block.topic}[${block.partition}]: was the partition count changed?`);
    }
    return { seq: stored.chain_seq, hash: stored.chain_hash, expiresAt: chainTimeMs(stored.expires_at) };
  }
}
