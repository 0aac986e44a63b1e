// Issue 15, finding 3b: a message whose dead letter the broker refuses for good (larger than the
// dead-letter topic accepts) used to fail its block forever, and nothing behind it on its partition
// was stored again. Now it is quarantined by reference; a null header value (legal in Kafka, which
// kafkajs cannot write back) no longer wedges the dead-letter publish either.
import { DLQ_HEADERS, makeAuditEvent, serializeAuditEvent } from '@audit/contract';
import { redriveDeadLetters } from '@audit/ingest';
import { JavaProducerScript, createTestTopics, groupProgress, readTopic, storedCounts, testBrokers, testKafka, topicSize, uniqueName, waitFor } from '@audit/testing';
import { ConfigResourceTypes } from 'kafkajs';
import { createHash } from 'node:crypto';
import { InProcessIngestor } from './in-process-ingestor';

/** The main topic takes records up to 4 MiB (an operator's choice); the dead-letter topic keeps the broker's 1 MiB. */
const MAIN_TOPIC_MAX_BYTES = 4 * 1024 * 1024;

describe('a dead letter the dead-letter topic refuses for good', () => {
  const kafka = testKafka('ingest-quarantine');
  const stack = new InProcessIngestor();
  beforeAll(() => stack.open());
  afterAll(() => stack.close(), 30_000);

  it('should be quarantined by reference while the events behind it on its partition are stored', async () => {
    const { topic, dlqTopic } = await createTestTopics(kafka, 1);
    const admin = kafka.admin();
    await admin.connect();
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'max.message.bytes', value: String(MAIN_TOPIC_MAX_BYTES) }] }] });
    await admin.disconnect();
    const groupId = uniqueName('ingest-quarantine');
    const { clickhouse } = stack;
    const ingestor = await stack.start({ topic, dlqTopic }, {
      INGEST_GROUP_ID: groupId,
      INGEST_FLUSH_INTERVAL_MS: '200',
      INGEST_RETRY_INITIAL_MS: '100',
      INGEST_RETRY_MAX_MS: '400',
    });
    const [before, after] = [makeAuditEvent({ organizationId: 'org_q' }), makeAuditEvent({ organizationId: 'org_q' })];
    const huge = Buffer.alloc(2 * 1024 * 1024, 'x');
    const script = new JavaProducerScript().open({ 'max.request.size': MAIN_TOPIC_MAX_BYTES, 'enable.idempotence': true, 'max.in.flight.requests.per.connection': 1 });
    script.send({ topic, key: 'org_q', value: serializeAuditEvent(before) });
    script.send({ topic, key: 'org_q', value: huge });
    script.send({ topic, key: 'org_q', value: 'not json', headers: [['trace', Buffer.from([0x00, 0xff])], ['trace', null]] });
    script.send({ topic, key: 'org_q', value: serializeAuditEvent(after) });
    const run = await script.close().run(testBrokers());
    expect(run.failures).toEqual([]);

    await waitFor(async () => ((await storedCounts(clickhouse.handle, clickhouse.database)).ids === 2 ? true : undefined), { what: 'the events before and behind stored', timeoutMs: 30_000 });
    // The partition moves on: its offsets are committed to the end, so whatever comes next is consumed.
    await waitFor(
      async () => {
        const progress = await groupProgress(kafka, topic, groupId);
        return progress.committed === progress.end ? true : undefined;
      },
      { what: 'the partition committed to its end', timeoutMs: 30_000 },
    );
    const [reference, letter] = await readTopic(kafka, dlqTopic, { count: 2 });
    const header = (name: string) => reference.message.headers?.[name]?.toString();
    expect({
      value: reference.value,
      reason: header(DLQ_HEADERS.reason),
      quarantined: header(DLQ_HEADERS.quarantined),
      origin: `${header(DLQ_HEADERS.topic)}/${header(DLQ_HEADERS.partition)}/${header(DLQ_HEADERS.offset)}`,
      bytes: header(DLQ_HEADERS.originalValueBytes),
      sha256: header(DLQ_HEADERS.originalValueSha256),
    }).toEqual({
      value: null,
      reason: 'too_large',
      quarantined: 'MESSAGE_TOO_LARGE',
      origin: `${topic}/0/1`,
      bytes: String(huge.length),
      sha256: createHash('sha256').update(huge).digest('hex'),
    });
    expect({ value: letter.value, reason: letter.message.headers?.[DLQ_HEADERS.reason]?.toString(), trace: letter.message.headers?.trace }).toEqual({
      value: 'not json',
      reason: 'not_json',
      trace: [Buffer.from([0x00, 0xff]), Buffer.alloc(0)],
    });

    // A re-drive sends the whole letter back and leaves the reference, which has nothing to send.
    await stack.stop(ingestor);
    expect(await redriveDeadLetters(kafka, { dlqTopic, groupId: uniqueName('redrive') })).toEqual({ redriven: 1, skipped: 0, quarantined: 1 });
    expect(await topicSize(kafka, topic)).toBe(5);
  }, 90_000);
});
