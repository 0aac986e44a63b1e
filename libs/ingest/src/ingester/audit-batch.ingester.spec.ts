import type { ChainHeadRecord } from '@audit/clickhouse';
import { makeAuditEvent, serializeAuditEvent } from '@audit/contract';
import { GENESIS_HASH, canonicalEventJson, linkHash } from '@audit/integrity';
import type { KafkaMessage } from 'kafkajs';
import { AuditBatchIngester } from './audit-batch.ingester';
import { ChainHeadsCache } from '../chain/chain-heads.cache';
import type { DeadLetter, QuarantinedLetter } from '../dead-letters/dead-letter.publisher';
import type { PartitionBatch } from '../transport/kafka-batch.transport';
import { StoredEventsPublisher } from '../projection/stored-events.publisher';

type Lineage = { kafka_topic: string; kafka_partition: number; kafka_offset: number };
type StoredRow = Lineage & { event_id: string; organization_id: string; chain_seq: number; chain_prev_hash: string; chain_hash: string } & Record<string, unknown>;

/** Stores blocks as ClickHouse does: a block whose token it has seen before is dropped, whatever its rows. */
class FakeWriter {
  readonly blocks: Array<{ token: string; ids: string[] }> = [];
  /** Every block received, stored or dropped as a copy. */
  readonly attempts: StoredRow[][] = [];
  private readonly tokens = new Set<string>();
  readonly lineage: Lineage[] = [];
  readonly rows: StoredRow[] = [];
  readonly heads: ChainHeadRecord[] = [];
  failure?: (ids: string[]) => Error | undefined;

  async insertChainHeads(heads: ChainHeadRecord[]): Promise<void> {
    this.heads.push(...heads);
  }

  async insertJsonEachRow(body: Buffer, options: { deduplicationToken: string }): Promise<void> {
    const rows = body
      .toString()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as StoredRow);
    const ids = rows.map((row) => row.event_id);
    const error = this.failure?.(ids);
    if (error) throw error;
    this.attempts.push(rows);
    if (this.tokens.has(options.deduplicationToken)) return;
    this.tokens.add(options.deduplicationToken);
    this.blocks.push({ token: options.deduplicationToken, ids });
    this.rows.push(...rows);
    this.lineage.push(...rows.map(({ kafka_topic, kafka_partition, kafka_offset }) => ({ kafka_topic, kafka_partition, kafka_offset })));
  }
}

class FakeDeadLetters {
  readonly letters: DeadLetter[] = [];
  /** Publishes fail (as with the broker away) while this is above zero, once per call. */
  failures = 0;
  /** Letters above this size are published by reference (quarantined), as the topic refuses them. */
  maxBytes = Number.POSITIVE_INFINITY;
  async publish(letters: DeadLetter[]): Promise<QuarantinedLetter[]> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('There is no leader for this topic-partition as we are in the middle of a leadership election');
    }
    this.letters.push(...letters);
    return letters.filter((letter) => (letter.message.value?.length ?? 0) > this.maxBytes).map((letter) => ({ letter, refusal: 'MESSAGE_TOO_LARGE' }));
  }
}

/** The projection topic as a producer sees it; `failing` makes every send throw. */
class FakeStoredTopic {
  readonly records: Array<{ key: string; seqs: number[]; first: number; last: number }> = [];
  failing = false;
  constructor(private readonly writer?: FakeWriter) {}
  readonly publisher = new StoredEventsPublisher(
    {
      send: async ({ messages }) => {
        if (this.failing) throw new Error('broker unavailable');
        // Published only once the rows and heads are stored.
        if (this.writer && this.writer.heads.length === 0) throw new Error('published before the chain heads were stored');
        for (const message of messages) {
          const rows = String(message.value).split('\n').map((line) => JSON.parse(line) as StoredRow);
          const headers = message.headers as Record<string, string>;
          this.records.push({ key: String(message.key), seqs: rows.map((row) => row.chain_seq), first: Number(headers['x-audit-first-seq']), last: Number(headers['x-audit-last-seq']) });
        }
        return [];
      },
    },
    'stored',
  );
}

/** What audit_chain_heads would answer: the newest head per organization among those written. */
class FakeHeadsReader {
  constructor(private readonly writer: FakeWriter) {}
  async latest(organizations: string[]): Promise<Map<string, ChainHeadRecord>> {
    const heads = new Map<string, ChainHeadRecord>();
    for (const head of this.writer.heads) if (organizations.includes(head.organization_id) && head.chain_seq >= (heads.get(head.organization_id)?.chain_seq ?? 0)) heads.set(head.organization_id, head);
    return heads;
  }
}

function keyOf(value: string | Buffer | null): Buffer | null {
  try {
    return Buffer.from((JSON.parse(String(value)) as { organizationId: string }).organizationId);
  } catch {
    return null;
  }
}

function batchOf(values: Array<string | Buffer | null>, firstOffset = 100, clock = Date.now()): PartitionBatch {
  const messages: KafkaMessage[] = values.map((value, index) => ({
    offset: String(firstOffset + index),
    key: keyOf(value),
    value: typeof value === 'string' ? Buffer.from(value) : value,
    timestamp: '0',
    attributes: 0,
    headers: {},
  }));
  const last = firstOffset + values.length - 1;
  return { topic: 't', partition: 0, first: String(firstOffset), last: String(last), deduplicationToken: `t:0:${firstOffset}-${last}`, clock, messages };
}

describe('AuditBatchIngester', () => {
  const events = Array.from({ length: 6 }, () => makeAuditEvent());

  it('should insert the valid events as one block with the batch token and dead-letter the rest with a reason', async () => {
    const writer = new FakeWriter();
    const deadLetters = new FakeDeadLetters();
    const outcome = await new AuditBatchIngester(writer, deadLetters).ingest(
      batchOf([serializeAuditEvent(events[0]), 'not json', null, serializeAuditEvent(events[1]), JSON.stringify({ ...events[2], action: 'Bad Verb' })]),
    );
    expect(outcome).toEqual({ stored: 2, deadLettered: 3, quarantined: 0 });
    expect(writer.blocks).toEqual([{ token: 't:0:100-104', ids: [events[0].id, events[1].id] }]);
    expect(deadLetters.letters.map((letter) => [letter.message.offset, letter.reason])).toEqual([
      ['101', 'not_json'],
      ['102', 'empty'],
      ['104', 'contract'],
    ]);
  });

  it('should store each row with the topic, partition and offset it came from', async () => {
    const writer = new FakeWriter();
    await new AuditBatchIngester(writer, new FakeDeadLetters()).ingest(batchOf([serializeAuditEvent(events[0]), serializeAuditEvent(events[1])]));
    expect(writer.lineage).toEqual([
      { kafka_topic: 't', kafka_partition: 0, kafka_offset: 100 },
      { kafka_topic: 't', kafka_partition: 0, kafka_offset: 101 },
    ]);
  });

  it('should isolate a row ClickHouse rejects by bisecting the block, and dead-letter only that row', async () => {
    const writer = new FakeWriter();
    writer.failure = (ids) => (ids.includes(events[3].id) ? new Error('Code: 376. DB::Exception: Cannot parse uuid (CANNOT_PARSE_UUID)') : undefined);
    const deadLetters = new FakeDeadLetters();
    const outcome = await new AuditBatchIngester(writer, deadLetters).ingest(batchOf(events.map(serializeAuditEvent)));
    expect(outcome).toEqual({ stored: 5, deadLettered: 1, quarantined: 0 });
    expect(writer.blocks.flatMap((block) => block.ids).sort()).toEqual(events.filter((_, index) => index !== 3).map((event) => event.id).sort());
    expect(new Set(writer.blocks.map((block) => block.token)).size).toBe(writer.blocks.length);
    expect(writer.blocks.every((block) => block.token.startsWith('t:0:100-105/'))).toBe(true);
    expect(deadLetters.letters).toHaveLength(1);
    expect(deadLetters.letters[0]).toMatchObject({ reason: 'rejected_by_clickhouse', message: { offset: '103' } });
    expect(deadLetters.letters[0].violations[0].rule).toBe('CANNOT_PARSE_UUID');
  });

  it('should give a retried block the outcome of its first attempt, however late the retry runs', async () => {
    const clock = Date.parse('2026-03-01T12:00:00.000Z');
    const now = jest.spyOn(Date, 'now').mockReturnValue(clock);
    try {
      // Five seconds beyond the contract's one-hour skew at the block's clock: refused then, valid ten seconds later.
      const ahead = makeAuditEvent({ occurredAt: new Date(clock + 3_600_000 + 5_000).toISOString() });
      const onTime = makeAuditEvent({ occurredAt: new Date(clock).toISOString() });
      const batch = batchOf([serializeAuditEvent(onTime), serializeAuditEvent(ahead)], 100, clock);
      const writer = new FakeWriter();
      const deadLetters = new FakeDeadLetters();
      deadLetters.failures = 1;
      const ingester = new AuditBatchIngester(writer, deadLetters);
      // The first attempt stores its rows, then cannot publish its dead letters: the transport retries the block.
      await expect(ingester.ingest(batch)).rejects.toThrow(/leader/);
      now.mockReturnValue(clock + 10_000);
      await ingester.ingest(batch);

      const stored = writer.rows.map((row) => row.event_id);
      const deadLettered = deadLetters.letters.map((letter) => letter.message.offset);
      expect({ stored, deadLettered }).toEqual({ stored: [onTime.id], deadLettered: ['101'] });
    } finally {
      now.mockRestore();
    }
  });

  it('should report a dead letter the topic refused as quarantined, with its reason and the refusal', async () => {
    const deadLetters = new FakeDeadLetters();
    deadLetters.maxBytes = 100;
    const observed: string[] = [];
    const observer = { consumed: () => undefined, timeInsert: <T>(_at: readonly string[], insert: () => Promise<T>) => insert(), deadLettered: () => undefined, quarantined: (reason: string, refusal: string) => void observed.push(`${reason} ${refusal}`) };
    const outcome = await new AuditBatchIngester(new FakeWriter(), deadLetters, { observer }).ingest(batchOf([serializeAuditEvent(events[0]), 'x'.repeat(200), 'not json']));
    expect(outcome).toEqual({ stored: 1, deadLettered: 2, quarantined: 1 });
    expect(observed).toEqual(['not_json MESSAGE_TOO_LARGE']);
  });

  it('should throw a retryable error without dead-lettering, so the same block is retried', async () => {
    const writer = new FakeWriter();
    writer.failure = () => new Error('Code: 252. DB::Exception: Too many parts (TOO_MANY_PARTS)');
    const deadLetters = new FakeDeadLetters();
    await expect(new AuditBatchIngester(writer, deadLetters).ingest(batchOf([serializeAuditEvent(events[0]), 'x']))).rejects.toThrow(/TOO_MANY_PARTS/);
    expect(deadLetters.letters).toEqual([]);
  });

  describe('with the hash chain', () => {
    const chained = (writer: FakeWriter, deadLetters = new FakeDeadLetters()) =>
      new AuditBatchIngester(writer, deadLetters, { chains: new ChainHeadsCache(new FakeHeadsReader(writer)) });
    const org = (id: string) => Array.from({ length: 3 }, () => makeAuditEvent({ organizationId: id }));
    const [a, b] = [org('org_a'), org('org_b')];
    const mixed = [a[0], b[0], a[1], b[1], a[2], b[2]];

    /** Recomputes each stored row's hash from its columns and checks it links to the row before. */
    function expectLinked(rows: StoredRow[]): void {
      const heads = new Map<string, { seq: number; hash: string }>();
      for (const row of rows) {
        const head = heads.get(row.organization_id) ?? { seq: 0, hash: GENESIS_HASH };
        expect(row.chain_seq).toBe(head.seq + 1);
        expect(row.chain_prev_hash).toBe(head.hash);
        expect(row.chain_hash).toBe(linkHash(head.hash, canonicalEventJson(row as never, row.chain_seq)));
        heads.set(row.organization_id, { seq: row.chain_seq, hash: row.chain_hash });
      }
    }

    it('should number each organization\'s events 1, 2, 3 in offset order, each hash linking to the one before', async () => {
      const writer = new FakeWriter();
      await chained(writer).ingest(batchOf(mixed.map(serializeAuditEvent)));
      expect(writer.rows.map((row) => [row.organization_id, row.chain_seq])).toEqual([
        ['org_a', 1], ['org_b', 1], ['org_a', 2], ['org_b', 2], ['org_a', 3], ['org_b', 3],
      ]);
      expectLinked(writer.rows);
      expect(writer.heads.map((head) => [head.organization_id, head.prev_seq, head.chain_seq, head.first_offset])).toEqual([
        ['org_a', 0, 3, '100'],
        ['org_b', 0, 3, '100'],
      ]);
    });

    it('should continue the chains in the next block, from the heads the previous one stored', async () => {
      const writer = new FakeWriter();
      const ingester = chained(writer);
      await ingester.ingest(batchOf(mixed.slice(0, 3).map(serializeAuditEvent), 100));
      await ingester.ingest(batchOf(mixed.slice(3).map(serializeAuditEvent), 103));
      expectLinked(writer.rows);
    });

    it('should chain a replayed block exactly as the attempt that landed, even in a fresh process', async () => {
      const writer = new FakeWriter();
      const clock = Date.now();
      await chained(writer).ingest(batchOf(mixed.slice(0, 2).map(serializeAuditEvent), 100, clock));
      await chained(writer).ingest(batchOf(mixed.slice(2).map(serializeAuditEvent), 102, clock + 1000));
      const landed = writer.rows.slice(2).map((row) => row.chain_hash);
      // A new process (crash before the commit) replays offsets 102-105 at their recorded clock (links' expiries count from it):
      // the heads table already holds that block's heads.
      await chained(writer).ingest(batchOf(mixed.slice(2).map(serializeAuditEvent), 102, clock + 1000));
      expect(writer.attempts[2].map((row) => row.chain_hash)).toEqual(landed);
      expect(writer.rows).toHaveLength(6);
    });

    it('should dead-letter an event whose Kafka key is not its organization, before it gets a sequence number', async () => {
      const writer = new FakeWriter();
      const deadLetters = new FakeDeadLetters();
      const batch = batchOf([serializeAuditEvent(a[0]), serializeAuditEvent(a[1])]);
      batch.messages[0].key = Buffer.from('someone-else');
      await chained(writer, deadLetters).ingest(batch);
      expect(deadLetters.letters.map((letter) => [letter.message.offset, letter.reason, letter.violations[0].field])).toEqual([['100', 'wrong_key', '$key']]);
      expect(writer.rows.map((row) => [row.event_id, row.chain_seq])).toEqual([[a[1].id, 1]]);
    });

    const projected = (writer: FakeWriter, topic: FakeStoredTopic) =>
      new AuditBatchIngester(writer, new FakeDeadLetters(), { chains: new ChainHeadsCache(new FakeHeadsReader(writer)), stored: topic.publisher });

    it('should publish each organization\'s stored rows in chain order, with their sequence range, after the rows and heads', async () => {
      const writer = new FakeWriter();
      const topic = new FakeStoredTopic(writer);
      await projected(writer, topic).ingest(batchOf(mixed.map(serializeAuditEvent)));
      expect(topic.records).toEqual([
        { key: 'org_a', seqs: [1, 2, 3], first: 1, last: 3 },
        { key: 'org_b', seqs: [1, 2, 3], first: 1, last: 3 },
      ]);
    });

    it('should publish a replayed block with the same sequence numbers as the attempt that landed', async () => {
      const writer = new FakeWriter();
      const topic = new FakeStoredTopic(writer);
      await projected(writer, topic).ingest(batchOf(mixed.slice(0, 2).map(serializeAuditEvent), 100));
      await projected(writer, topic).ingest(batchOf(mixed.slice(2).map(serializeAuditEvent), 102));
      await projected(writer, topic).ingest(batchOf(mixed.slice(2).map(serializeAuditEvent), 102));
      expect(topic.records.slice(4)).toEqual(topic.records.slice(2, 4));
      expect(topic.records.slice(2, 4).map((record) => record.seqs)).toEqual([[2, 3], [2, 3]]);
    });

    it('should publish the halves of a bisected block without the refused row and without a hole', async () => {
      const writer = new FakeWriter();
      writer.failure = (ids) => (ids.includes(mixed[2].id) ? new Error('Code: 376. DB::Exception: Cannot parse uuid (CANNOT_PARSE_UUID)') : undefined);
      const topic = new FakeStoredTopic(writer);
      await projected(writer, topic).ingest(batchOf(mixed.map(serializeAuditEvent)));
      const seqs = (key: string) => topic.records.filter((record) => record.key === key).flatMap((record) => record.seqs);
      expect(seqs('org_a')).toEqual([1, 2]);
      expect(seqs('org_b')).toEqual([1, 2, 3]);
      expect(topic.records.every((record) => record.seqs[0] === record.first && record.seqs[record.seqs.length - 1] === record.last)).toBe(true);
    });

    it('should fail the block (no commit) while the projection cannot be published', async () => {
      const writer = new FakeWriter();
      const topic = new FakeStoredTopic(writer);
      topic.failing = true;
      await expect(projected(writer, topic).ingest(batchOf(mixed.map(serializeAuditEvent)))).rejects.toThrow(/broker unavailable/);
    });

    it('should chain around a row ClickHouse rejects, so the stored chain has no hole', async () => {
      const writer = new FakeWriter();
      writer.failure = (ids) => (ids.includes(mixed[2].id) ? new Error('Code: 376. DB::Exception: Cannot parse uuid (CANNOT_PARSE_UUID)') : undefined);
      await chained(writer).ingest(batchOf(mixed.map(serializeAuditEvent)));
      expect(writer.rows.map((row) => row.event_id)).not.toContain(mixed[2].id);
      expectLinked(writer.rows);
      expect(writer.heads.find((head) => head.organization_id === 'org_a')?.chain_seq).toBe(2);
    });
  });
});
