// Kafka bounds a record batch by its compressed size only: a few kilobytes of zstd or gzip can
// hold gigabytes, and the consumer used to inflate every fetched batch whole, whatever it held —
// one such batch from any producer could exhaust the ingestor's memory and stop ingestion for every
// tenant. Now a batch stops decoding at INGEST_MAX_DECOMPRESSED_BATCH_BYTES; each of its records is
// dead-lettered as `undecodable_batch` at its offset, and the partition goes on.
import { DLQ_HEADERS, makeAuditEvent, serializeAuditEvent } from '@audit/contract';
import { redriveDeadLetters } from '@audit/ingest';
import { JavaProducerScript, createTestTopics, groupProgress, readTopic, storedCounts, testBrokers, testKafka, uniqueName, waitFor } from '@audit/testing';
import { InProcessIngestor } from './in-process-ingestor';

const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
const LIMIT_BYTES = 1024 * 1024;
/** 2 MiB of one repeated byte: a few KB once compressed, twice the limit once decompressed. */
const BOMB = 'x'.repeat(2 * LIMIT_BYTES);

describe('a record batch that decompresses past the limit', () => {
  const kafka = testKafka('ingest-bomb');
  const stack = new InProcessIngestor();
  beforeAll(() => stack.open());
  afterAll(() => stack.close(), 30_000);

  it('should be dead-lettered record by record, under every codec, while the events around it are stored', async () => {
    const { topic, dlqTopic } = await createTestTopics(kafka, CODECS.length);
    const groupId = uniqueName('ingest-bomb');
    const ingestor = await stack.start({ topic, dlqTopic }, {
      INGEST_GROUP_ID: groupId,
      INGEST_FLUSH_INTERVAL_MS: '200',
      INGEST_MAX_DECOMPRESSED_BATCH_BYTES: String(LIMIT_BYTES),
    });
    // Each codec on a partition of its own: an event, the bomb in a batch of its own, an event.
    const runs = await Promise.all(
      CODECS.map(async (codec, partition) => {
        const organizationId = `org_bomb_${codec}`;
        const script = new JavaProducerScript().open({ 'compression.type': codec, 'max.request.size': 4 * LIMIT_BYTES, 'enable.idempotence': true });
        script.send({ topic, partition, key: organizationId, value: serializeAuditEvent(makeAuditEvent({ organizationId })) });
        script.flush();
        const bomb = script.send({ topic, partition, key: organizationId, value: BOMB });
        script.flush();
        script.send({ topic, partition, key: organizationId, value: serializeAuditEvent(makeAuditEvent({ organizationId })) });
        const run = await script.close().run(testBrokers());
        expect(run.failures).toEqual([]);
        return { codec, partition, bombOffset: run.acks[bomb]?.offset };
      }),
    );

    await waitFor(async () => ((await storedCounts(stack.clickhouse.handle, stack.clickhouse.database)).ids === 2 * CODECS.length ? true : undefined), {
      what: 'the events before and behind every bomb stored',
      timeoutMs: 60_000,
    });
    await waitFor(
      async () => {
        const progress = await groupProgress(kafka, topic, groupId);
        return progress.committed === progress.end ? true : undefined;
      },
      { what: 'every partition committed to its end', timeoutMs: 30_000 },
    );
    const letters = await readTopic(kafka, dlqTopic, { count: CODECS.length });
    const header = (letter: (typeof letters)[number], name: string) => letter.message.headers?.[name]?.toString();
    const fates = letters
      .map((letter) => ({
        origin: `${header(letter, DLQ_HEADERS.partition)}/${header(letter, DLQ_HEADERS.offset)}`,
        reason: header(letter, DLQ_HEADERS.reason),
        value: letter.value,
        violations: header(letter, DLQ_HEADERS.violations),
      }))
      .sort((a, b) => a.origin.localeCompare(b.origin));
    expect(fates).toEqual(
      runs.map(({ partition, bombOffset }) => ({
        origin: `${partition}/${bombOffset}`,
        reason: 'undecodable_batch',
        value: null,
        violations: expect.stringContaining(`decompresses past ${LIMIT_BYTES} bytes`),
      })),
    );

    // A re-drive has nothing to send for them: their records are on the audit topic, not in the letters.
    await stack.stop(ingestor);
    expect(await redriveDeadLetters(kafka, { dlqTopic, groupId: uniqueName('redrive') })).toEqual({ redriven: 0, skipped: 0, quarantined: CODECS.length });
  }, 120_000);
});
