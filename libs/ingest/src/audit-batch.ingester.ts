import { AuditEventsWriteRepository, chainedJsonEachRowLine, toEventColumns, type ChainHeadRecord } from '@audit/clickhouse';
import { parseAuditEventMessage, type AuditEvent } from '@audit/contract';
import { appendLink, type ChainHead } from '@audit/integrity';
import type { IngestMetrics } from '@audit/observability';
import { Logger } from '@nestjs/common';
import type { KafkaMessage } from 'kafkajs';
import type { ChainHeadsCache } from './chain-heads.cache';
import { DeadLetterPublisher, reasonOf, type DeadLetter } from './dead-letter.publisher';
import { insertErrorCode, isRetryableInsertError } from './insert-error.classifier';
import type { PartitionBatch } from './kafka-batch.transport';

interface ParsedRow {
  message: KafkaMessage;
  event: AuditEvent;
}

/** What the ingester reports, when the app has metrics (ObservabilityModule's IngestMetrics). */
export type IngestObserver = Pick<IngestMetrics, 'consumed' | 'timeInsert' | 'deadLettered'>;

const unobserved: IngestObserver = {
  consumed: () => undefined,
  timeInsert: (_occurredAt, insert) => insert(),
  deadLettered: () => undefined,
};

export interface IngestOutcome {
  stored: number;
  deadLettered: number;
}

export interface AuditBatchIngesterOptions {
  /**
   * Organizations' hash chains (libs/integrity). Absent, rows are stored unchained (chain_seq 0) —
   * only the ingest benchmark's baseline runs that way, to measure what the chain costs.
   */
  chains?: ChainHeadsCache;
  /** Days to keep an organization's rows (the `retention_days` column the TTL reads); absent: the table default. */
  retentionDaysFor?: (organizationId: string) => number;
  observer?: IngestObserver;
}

type Heads = Map<string, ChainHead>;

/**
 * What one block becomes: valid events → one ClickHouse insert with the block's token; the rest →
 * dead letters with the reason. Throws only what is worth retrying with the same block (the
 * transport retries and pauses the partition); a row ClickHouse itself refuses is isolated by
 * bisecting the block and dead-lettered, never retried forever.
 */
export class AuditBatchIngester {
  private readonly logger = new Logger(AuditBatchIngester.name);
  /**
   * Inserts run one at a time across partitions: concurrent inserts into one table only contend
   * (measured on chDB: six in parallel each took as long as all six in a row), while one insert at
   * a time lets the next partition's parsing overlap the current insert.
   */
  private insertQueue: Promise<unknown> = Promise.resolve();

  private readonly observer: IngestObserver;

  constructor(
    private readonly writer: Pick<AuditEventsWriteRepository, 'insertJsonEachRow' | 'insertChainHeads'>,
    private readonly deadLetters: Pick<DeadLetterPublisher, 'publish'>,
    private readonly options: AuditBatchIngesterOptions = {},
  ) {
    this.observer = options.observer ?? unobserved;
  }

  async ingest(batch: PartitionBatch): Promise<IngestOutcome> {
    const now = Date.now();
    const rows: ParsedRow[] = [];
    const letters: DeadLetter[] = [];
    for (const message of batch.messages) {
      const result = parseAuditEventMessage(message.value, now);
      if (!result.ok) letters.push({ message, partition: batch.partition, reason: reasonOf(result.violations), violations: result.violations });
      else if (this.options.chains && message.key?.toString() !== result.event.organizationId) letters.push(wrongKey(message, batch.partition, result.event));
      else rows.push({ message, event: result.event });
    }
    this.observer.consumed(batch.messages.length);
    try {
      const { chains } = this.options;
      const before = chains ? await chains.before(batch, new Set(rows.map((row) => row.event.organizationId))) : new Map<string, ChainHead>();
      const after = await this.insert(batch, rows, batch.deduplicationToken, before, letters);
      if (chains) {
        await this.writer.insertChainHeads(headRecords(batch, before, after), { deduplicationToken: `${batch.deduplicationToken}/heads` });
        chains.advance(batch, after);
      }
      // Dead letters go out after the insert: a retry re-inserts (deduplicated), then publishes.
      await this.deadLetters.publish(letters);
      for (const letter of letters) this.observer.deadLettered(letter.reason);
    } catch (error) {
      this.logger.warn(`block ${batch.deduplicationToken} (${batch.messages.length} messages) failed: ${(error as Error).message ?? error}`);
      throw error;
    }
    return { stored: rows.length - letters.filter((letter) => letter.reason === 'rejected_by_clickhouse').length, deadLettered: letters.length };
  }

  private serialized<T>(insert: () => Promise<T>): Promise<T> {
    const result = this.insertQueue.then(insert);
    this.insertQueue = result.catch(() => undefined);
    return result;
  }

  /**
   * Inserts `rows` as one block, chained on from `before`, and returns the heads after the rows that
   * were stored. On a permanent error it halves the block (each half with its own derived token):
   * the rows of the first half are stored before the second is chained, so a row ClickHouse refuses
   * is dead-lettered without a sequence number and the chain has no hole. A replay fails and
   * splits the same way, so it recomputes the same links and tokens.
   */
  private async insert(batch: PartitionBatch, rows: ParsedRow[], token: string, before: Heads, letters: DeadLetter[]): Promise<Heads> {
    if (rows.length === 0) return before;
    const { body, after } = this.encode(batch, rows, before);
    try {
      await this.serialized(() =>
        this.observer.timeInsert(
          rows.map((row) => row.event.occurredAt),
          () => this.writer.insertJsonEachRow(body, { deduplicationToken: token }),
          isRetryableInsertError,
        ),
      );
      return after;
    } catch (error) {
      if (isRetryableInsertError(error)) throw error;
      if (rows.length === 1) {
        const { code, type } = insertErrorCode(error);
        const message = error instanceof Error ? error.message : String(error);
        letters.push({ message: rows[0].message, partition: batch.partition, reason: 'rejected_by_clickhouse', violations: [{ field: '$', rule: type ?? `code_${code}`, message }] });
        return before;
      }
      const middle = rows.length >>> 1;
      let heads = before;
      for (const half of [rows.slice(0, middle), rows.slice(middle)]) {
        heads = await this.insert(batch, half, `${token}/${half[0].message.offset}-${half[half.length - 1].message.offset}`, heads, letters);
      }
      return heads;
    }
  }

  /**
   * The block's JSONEachRow body. Each line starts with the link's canonical JSON (the bytes the
   * hash covers) and goes on with the chain and lineage columns, so what is hashed is what is stored.
   */
  private encode(batch: PartitionBatch, rows: ParsedRow[], before: Heads): { body: Buffer; after: Heads } {
    const after = new Map(before);
    const lines: string[] = [];
    for (const { message, event } of rows) {
      const lineage = { topic: batch.topic, partition: batch.partition, offset: message.offset };
      const columns = toEventColumns(event);
      const retentionDays = this.options.retentionDaysFor?.(columns.organization_id);
      if (!this.options.chains) {
        lines.push(chainedJsonEachRowLine(JSON.stringify(columns), undefined, lineage, retentionDays));
        continue;
      }
      const link = appendLink(after.get(columns.organization_id) as ChainHead, columns);
      after.set(columns.organization_id, link.head);
      lines.push(chainedJsonEachRowLine(link.canonicalJson, { prevHash: link.prevHash, hash: link.head.hash }, lineage, retentionDays));
    }
    return { body: Buffer.from(`${lines.join('\n')}\n`), after };
  }
}

/** One head record per organization whose chain moved in this block: the head after it, and before. */
function headRecords(batch: PartitionBatch, before: Heads, after: Heads): ChainHeadRecord[] {
  const records: ChainHeadRecord[] = [];
  for (const [organization, head] of after) {
    const previous = before.get(organization) as ChainHead;
    if (head.seq === previous.seq) continue;
    records.push({
      organization_id: organization,
      chain_seq: head.seq,
      chain_hash: head.hash,
      prev_seq: previous.seq,
      prev_hash: previous.hash,
      kafka_topic: batch.topic,
      kafka_partition: batch.partition,
      first_offset: batch.first,
      last_offset: batch.last,
    });
  }
  return records;
}

/**
 * An organization's chain is ordered by one consumer only if all its events share a partition,
 * which the key (= organizationId) guarantees; a message keyed otherwise could land beside another
 * consumer's copy of the same chain and fork it, so it is refused with the rule it broke.
 */
function wrongKey(message: KafkaMessage, partition: number, event: AuditEvent): DeadLetter {
  const key = message.key === null ? 'no key' : `key ${JSON.stringify(message.key.toString())}`;
  return {
    message,
    partition,
    reason: 'wrong_key',
    violations: [{ field: '$key', rule: 'keyIsOrganizationId', message: `the Kafka key must be the event's organizationId (${JSON.stringify(event.organizationId)}), got ${key}` }],
  };
}
