// Issue 15, finding 3a: the topic is the public interface, so whatever a Java service may legally
// publish is consumed. The Java client Kafka ships publishes with every codec, idempotent and in
// transactions (committed and aborted), with binary headers, and in batches as large as the broker
// takes; a kafkajs consumer used to crash on the first Snappy, LZ4 or ZSTD batch and stop everything.
import { serializeAuditEvent, type AuditEvent } from '@audit/contract';
import {
  JavaProducerScript,
  createTestTopics,
  groupProgress,
  makeEvents,
  testBrokers,
  testKafka,
  topicSize,
  uniqueName,
  waitFor,
} from '@audit/testing';
import { InProcessIngestor } from './in-process-ingestor';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const PER_CODEC = 200;

/** Headers a Java service may set: binary values, a null value, a name twice. */
const HEADERS: Array<[string, Buffer | string | null]> = [
  ['trace', Buffer.from([0x00, 0xff, 0x80, 0x0a])],
  ['trace', null],
  ['origin', 'billing-service'],
];

describe('events published by a Java service (the Kafka Java client)', () => {
  const kafka = testKafka('ingest-foreign');
  const stack = new InProcessIngestor();
  beforeAll(() => stack.open());
  afterAll(() => stack.close(), 30_000);

  it('should store exactly once every event committed with each codec, idempotent or transactional, and none of an aborted transaction', async () => {
    const { topic, dlqTopic } = await createTestTopics(kafka, 3);
    const events = makeEvents(CODECS.length * PER_CODEC + 3000 + 2200 + 200 + 120, 11);
    let next = 0;
    const take = (count: number) => events.slice(next, (next += count));
    const script = new JavaProducerScript();
    const send = (batch: AuditEvent[], partition?: number) =>
      batch.forEach((event) => script.send({ topic, partition, key: event.organizationId, value: serializeAuditEvent(event), headers: HEADERS }));

    for (const codec of CODECS) {
      script.open({ 'compression.type': codec, 'enable.idempotence': true, acks: 'all', 'linger.ms': 20 });
      send(take(PER_CODEC));
      script.close();
    }
    // One large compressed batch, and one uncompressed batch near the broker's 1 MiB limit on one partition.
    script.open({ 'compression.type': 'snappy', 'batch.size': 1_048_576, 'linger.ms': 1000 });
    send(take(3000));
    script.close();
    script.open({ 'compression.type': 'none', 'batch.size': 1_000_000, 'linger.ms': 1000 });
    send(take(2200), 0);
    script.close();
    // Transactions last: each partition then ends in a control record (a commit marker), not an event.
    script.open({ 'transactional.id': uniqueName('tx-commit'), 'compression.type': 'zstd', 'linger.ms': 20 });
    script.begin();
    send(take(150));
    script.commit().begin();
    send(take(50));
    script.commit().close();
    // Aborted records sit among committed ones on the same partitions; a consumer must skip exactly those.
    const aborted = take(100);
    script.open({ 'transactional.id': uniqueName('tx-abort'), 'compression.type': 'lz4', 'linger.ms': 20 });
    script.begin();
    send(aborted);
    // Flushed first, so the aborted records are on the log (unflushed ones would never leave the producer).
    script.flush().abort().begin();
    send(take(20));
    script.commit().close();
    const run = await script.run(testBrokers());
    expect(run.failures).toEqual([]);
    expect(run.acks.filter((ack) => ack === undefined)).toHaveLength(0);

    const committed = events.filter((event) => !aborted.includes(event));
    const groupId = uniqueName('ingest-foreign');
    await stack.start({ topic, dlqTopic }, { INGEST_GROUP_ID: groupId, INGEST_FLUSH_INTERVAL_MS: '250' });
    const { clickhouse } = stack;
    const stored = await waitFor(
      async () => {
        const result = await clickhouse.handle.client.query({ query: `SELECT toString(event_id) AS id FROM ${clickhouse.database}.audit_events`, format: 'JSONEachRow' });
        const ids = (await result.json<{ id: string }>()).map(({ id }) => id);
        return ids.length >= committed.length ? ids : undefined;
      },
      { what: `${committed.length} events stored`, timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(stored.length).toBe(committed.length);
    expect(new Set(stored)).toEqual(new Set(committed.map((event) => event.id)));
    expect(await topicSize(kafka, dlqTopic)).toBe(0);
    // Transactions end in control records, which are no events: the group's offsets still reach the end of every partition.
    const progress = await waitFor(async () => {
      const now = await groupProgress(kafka, topic, groupId);
      return now.committed >= now.end ? now : undefined;
    }, { what: 'offsets committed to the end of every partition', timeoutMs: 10_000 }).catch(async () => groupProgress(kafka, topic, groupId));
    expect(progress.partitions.map(({ committed, end }) => ({ committed, end }))).toEqual(progress.partitions.map(({ end }) => ({ committed: end, end })));
  }, 180_000);
});
