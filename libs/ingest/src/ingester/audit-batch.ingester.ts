import { AuditEventsWriteRepository, type ChainHeadRecord } from '@audit/clickhouse';
import { chainTime, RetentionPolicy, type ChainState } from '@audit/integrity';
import type { IngestMetrics } from '@audit/observability';
import { Logger } from '@nestjs/common';
import type { KafkaMessage } from 'kafkajs';
import { chainKeys, encodeBlock, packValues, type EncodedBlock, type EncodeRequest } from '../encoding/block.encode';
import type { BlockEncoder } from '../encoding/block-encoder.pool';
import type { ChainHeadsCache } from '../chain/chain-heads.cache';
import { DeadLetterPublisher, type DeadLetter, type QuarantinedLetter } from '../dead-letters/dead-letter.publisher';
import { asUndecodableBatch } from '../dead-letters/undecodable-batch.letter';
import { insertErrorCode, isRetryableInsertError } from './insert-error.classifier';
import type { PartitionBatch } from '../transport/kafka-batch.transport';
import type { StoredEventsPublisher, StoredPiece } from '../projection/stored-events.publisher';

/** What the ingester reports, when the app has metrics (ObservabilityModule's IngestMetrics). */
export type IngestObserver = Pick<IngestMetrics, 'consumed' | 'timeInsert' | 'deadLettered' | 'quarantined'>;

const unobserved: IngestObserver = {
  consumed: () => undefined,
  timeInsert: (_occurredAt, insert) => insert(),
  deadLettered: () => undefined,
  quarantined: () => undefined,
};

export interface IngestOutcome {
  stored: number;
  deadLettered: number;
  /** Of the dead letters, those the dead-letter topic refused for good, published by reference instead. */
  quarantined: number;
}

export interface AuditBatchIngesterOptions {
  /**
   * Organizations' hash chains (libs/integrity). Absent, rows are stored unchained (chain_seq 0) —
   * only the ingest benchmark's baseline runs that way, to measure what the chain costs.
   */
  chains?: ChainHeadsCache;
  /**
   * Days to keep an organization's rows: each link's expiry is counted with it (and it is stamped
   * as `retention_days`). Absent: the default policy (six years).
   */
  retentionDaysFor?: (organizationId: string) => number;
  observer?: IngestObserver;
  /** Encodes blocks on a worker thread; absent, on the calling thread (the bytes are the same). */
  encoder?: BlockEncoder;
  /** Publishes the stored rows to the projection topic (outbound streams read it); needs `chains`. */
  stored?: Pick<StoredEventsPublisher, 'publish'>;
}

type Heads = Map<string, ChainState>;

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
  private readonly retentionDaysFor: (organizationId: string) => number;

  constructor(
    private readonly writer: Pick<AuditEventsWriteRepository, 'insertJsonEachRow' | 'insertChainHeads'>,
    private readonly deadLetters: Pick<DeadLetterPublisher, 'publish'>,
    private readonly options: AuditBatchIngesterOptions = {},
  ) {
    this.observer = options.observer ?? unobserved;
    this.retentionDaysFor = options.retentionDaysFor ?? new RetentionPolicy().retentionDaysFor;
  }

  async ingest(batch: PartitionBatch): Promise<IngestOutcome> {
    const { chains, encoder } = this.options;
    // The block's recorded clock for the contract's time rules: every attempt, replay and bisected
    // half sees what the first attempt saw, so a landed block is never re-sent with other rows.
    const now = batch.clock;
    const keys = batch.messages.map((message) => message.key?.toString() ?? null);
    let rows: number[] = [];
    const letters: DeadLetter[] = [];
    let quarantined: QuarantinedLetter[] = [];
    const pieces: StoredPiece[] = [];
    try {
      // The keys name every organization a valid row can belong to (see chainKeys): their heads are
      // read first, so the whole block is encoded in one pass, on the encoder's thread.
      const organizations = chains ? chainKeys(keys) : new Set<string>();
      const before = chains ? await chains.before(batch, organizations) : new Map<string, ChainState>();
      const request = this.request(batch, now, keys, batch.messages, chains ? before : undefined, organizations);
      const encoded = encoder ? await encoder.encode(request) : encodeBlock(request);
      for (const letter of encoded.letters) letters.push(asUndecodableBatch({ message: batch.messages[letter.index], partition: batch.partition, reason: letter.reason, violations: letter.violations }));
      this.observer.consumed(batch.messages.length);
      rows = encoded.rows;
      const after = await this.insert(batch, now, keys, rows, batch.deduplicationToken, before, letters, pieces, encoded);
      if (chains) {
        await this.writer.insertChainHeads(headRecords(batch, before, after), { deduplicationToken: `${batch.deduplicationToken}/heads` });
        // The projection follows the rows and heads and precedes the commit: every committed row is
        // on the topic, and a replay (same rows, same chain) republishes identical records.
        await this.options.stored?.publish(pieces);
        chains.advance(batch, after);
      }
      // Dead letters go out after the insert: a retry re-inserts (deduplicated), then publishes.
      quarantined = await this.deadLetters.publish(letters);
      for (const letter of letters) this.observer.deadLettered(letter.reason);
      for (const { letter, refusal } of quarantined) {
        this.observer.quarantined(letter.reason, refusal);
        this.logger.warn(`quarantined ${batch.topic}/${batch.partition}/${letter.message.offset} (${letter.reason}): its dead letter was refused (${refusal}); the original stays on its topic until retention`);
      }
    } catch (error) {
      this.logger.warn(`block ${batch.deduplicationToken} (${batch.messages.length} messages) failed: ${(error as Error).message ?? error}`);
      throw error;
    }
    return { stored: rows.length - letters.filter((letter) => letter.reason === 'rejected_by_clickhouse').length, deadLettered: letters.length, quarantined: quarantined.length };
  }

  private request(batch: PartitionBatch, now: number, keys: Array<string | null>, messages: KafkaMessage[], before: Heads | undefined, organizations: Set<string>): EncodeRequest {
    const { retentionDaysFor } = this;
    return {
      topic: batch.topic,
      partition: batch.partition,
      ...packValues(messages.map((message) => message.value)),
      keys,
      offsets: messages.map((message) => message.offset),
      now,
      before,
      retentionDays: new Map([...organizations].map((organization) => [organization, retentionDaysFor(organization)])),
    };
  }

  private serialized<T>(insert: () => Promise<T>): Promise<T> {
    const result = this.insertQueue.then(insert);
    this.insertQueue = result.catch(() => undefined);
    return result;
  }

  /**
   * Inserts the messages at `rows` (indices into the batch, all valid) as one block, chained on from
   * `before` (`encoded` is that block already encoded), and returns the heads after the rows that
   * were stored. On a permanent error it halves the block (each half with its own derived token):
   * the rows of the first half are stored before the second is chained, so a row ClickHouse refuses
   * is dead-lettered without a sequence number and the chain has no hole. A replay fails and
   * splits the same way, so it recomputes the same links and tokens. Each stored insert is added
   * to `pieces`, in order.
   */
  private async insert(
    batch: PartitionBatch,
    now: number,
    keys: Array<string | null>,
    rows: number[],
    token: string,
    before: Heads,
    letters: DeadLetter[],
    pieces: StoredPiece[],
    encoded?: EncodedBlock,
  ): Promise<Heads> {
    if (rows.length === 0) return before;
    const block = encoded ?? this.encodeRows(batch, now, keys, rows, before);
    // The block's rows index the batch (a whole block) or `rows` (a re-encoded half).
    const keyOf = (row: number) => (encoded ? keys[row] : keys[rows[row]]) as string;
    try {
      await this.serialized(() =>
        this.observer.timeInsert(block.occurredAt, () => this.writer.insertJsonEachRow(asBuffer(block.body), { deduplicationToken: token }), isRetryableInsertError),
      );
      pieces.push({ body: block.body, organizations: block.rows.map(keyOf), before });
      return block.after;
    } catch (error) {
      if (isRetryableInsertError(error)) throw error;
      if (rows.length === 1) {
        const { code, type } = insertErrorCode(error);
        const message = error instanceof Error ? error.message : String(error);
        letters.push({ message: batch.messages[rows[0]], partition: batch.partition, reason: 'rejected_by_clickhouse', violations: [{ field: '$', rule: type ?? `code_${code}`, message }] });
        return before;
      }
      const middle = rows.length >>> 1;
      let heads = before;
      for (const half of [rows.slice(0, middle), rows.slice(middle)]) {
        const range = `${batch.messages[half[0]].offset}-${batch.messages[half[half.length - 1]].offset}`;
        heads = await this.insert(batch, now, keys, half, `${token}/${range}`, heads, letters, pieces);
      }
      return heads;
    }
  }

  /** Encodes some valid rows of the batch again, on this thread: only a bisected block (rare) needs it. */
  private encodeRows(batch: PartitionBatch, now: number, keys: Array<string | null>, rows: number[], before: Heads): EncodedBlock {
    const rowKeys = rows.map((index) => keys[index]);
    const organizations = this.options.chains ? chainKeys(rowKeys) : new Set<string>();
    return encodeBlock(this.request(batch, now, rowKeys, rows.map((index) => batch.messages[index]), this.options.chains ? before : undefined, organizations));
  }
}

/** The encoded body as the writer takes it (a view of the same bytes, no copy). */
function asBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** One head record per organization whose chain moved in this block: the head after it, and before. */
function headRecords(batch: PartitionBatch, before: Heads, after: Heads): ChainHeadRecord[] {
  const records: ChainHeadRecord[] = [];
  for (const [organization, head] of after) {
    const previous = before.get(organization) as ChainState;
    if (head.seq === previous.seq) continue;
    records.push({
      organization_id: organization,
      chain_seq: head.seq,
      chain_hash: head.hash,
      prev_seq: previous.seq,
      prev_hash: previous.hash,
      expires_at: chainTime(head.expiresAt),
      prev_expires_at: chainTime(previous.expiresAt),
      kafka_topic: batch.topic,
      kafka_partition: batch.partition,
      first_offset: batch.first,
      last_offset: batch.last,
    });
  }
  return records;
}
