import { makeAuditEvent, serializeAuditEvent } from '@audit/contract';
import type { KafkaMessage } from 'kafkajs';
import { AuditBatchIngester } from './audit-batch.ingester';
import type { DeadLetter } from './dead-letter.publisher';
import type { PartitionBatch } from './kafka-batch.transport';

type Lineage = { kafka_topic: string; kafka_partition: number; kafka_offset: string };

class FakeWriter {
  readonly blocks: Array<{ token: string; ids: string[] }> = [];
  readonly lineage: Lineage[] = [];
  failure?: (ids: string[]) => Error | undefined;

  async insertJsonEachRow(body: Buffer, options: { deduplicationToken: string }): Promise<void> {
    const rows = body
      .toString()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Lineage & { event_id: string });
    const ids = rows.map((row) => row.event_id);
    const error = this.failure?.(ids);
    if (error) throw error;
    this.blocks.push({ token: options.deduplicationToken, ids });
    this.lineage.push(...rows.map(({ kafka_topic, kafka_partition, kafka_offset }) => ({ kafka_topic, kafka_partition, kafka_offset })));
  }
}

class FakeDeadLetters {
  readonly letters: DeadLetter[] = [];
  async publish(letters: DeadLetter[]): Promise<void> {
    this.letters.push(...letters);
  }
}

function batchOf(values: Array<string | Buffer | null>): PartitionBatch {
  const messages: KafkaMessage[] = values.map((value, index) => ({
    offset: String(100 + index),
    key: null,
    value: typeof value === 'string' ? Buffer.from(value) : value,
    timestamp: '0',
    attributes: 0,
    headers: {},
  }));
  return { topic: 't', partition: 0, first: '100', last: String(99 + values.length), deduplicationToken: `t:0:100-${99 + values.length}`, messages };
}

describe('AuditBatchIngester', () => {
  const events = Array.from({ length: 6 }, () => makeAuditEvent());

  it('should insert the valid events as one block with the batch token and dead-letter the rest with a reason', async () => {
    const writer = new FakeWriter();
    const deadLetters = new FakeDeadLetters();
    const outcome = await new AuditBatchIngester(writer, deadLetters).ingest(
      batchOf([serializeAuditEvent(events[0]), 'not json', null, serializeAuditEvent(events[1]), JSON.stringify({ ...events[2], action: 'Bad Verb' })]),
    );
    expect(outcome).toEqual({ stored: 2, deadLettered: 3 });
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
      { kafka_topic: 't', kafka_partition: 0, kafka_offset: '100' },
      { kafka_topic: 't', kafka_partition: 0, kafka_offset: '101' },
    ]);
  });

  it('should isolate a row ClickHouse rejects by bisecting the block, and dead-letter only that row', async () => {
    const writer = new FakeWriter();
    writer.failure = (ids) => (ids.includes(events[3].id) ? new Error('Code: 376. DB::Exception: Cannot parse uuid (CANNOT_PARSE_UUID)') : undefined);
    const deadLetters = new FakeDeadLetters();
    const outcome = await new AuditBatchIngester(writer, deadLetters).ingest(batchOf(events.map(serializeAuditEvent)));
    expect(outcome).toEqual({ stored: 5, deadLettered: 1 });
    expect(writer.blocks.flatMap((block) => block.ids).sort()).toEqual(events.filter((_, index) => index !== 3).map((event) => event.id).sort());
    expect(new Set(writer.blocks.map((block) => block.token)).size).toBe(writer.blocks.length);
    expect(writer.blocks.every((block) => block.token.startsWith('t:0:100-105/'))).toBe(true);
    expect(deadLetters.letters).toHaveLength(1);
    expect(deadLetters.letters[0]).toMatchObject({ reason: 'rejected_by_clickhouse', message: { offset: '103' } });
    expect(deadLetters.letters[0].violations[0].rule).toBe('CANNOT_PARSE_UUID');
  });

  it('should throw a retryable error without dead-lettering, so the same block is retried', async () => {
    const writer = new FakeWriter();
    writer.failure = () => new Error('Code: 252. DB::Exception: Too many parts (TOO_MANY_PARTS)');
    const deadLetters = new FakeDeadLetters();
    await expect(new AuditBatchIngester(writer, deadLetters).ingest(batchOf([serializeAuditEvent(events[0]), 'x']))).rejects.toThrow(/TOO_MANY_PARTS/);
    expect(deadLetters.letters).toEqual([]);
  });
});
