import { randomUUID } from 'node:crypto';
import { AuditEventsReadRepository } from '@audit/clickhouse';
import { DLQ_HEADERS, LIMITS, makeAuditEvent, serializeAuditEvent } from '@audit/contract';
import { redriveDeadLetters } from '@audit/ingest';
import { startIngestApp, type IngestApp } from '@audit/ingest/testing';
import { createTestTopics, makeEvents, openTestClickHouse, publish, storedCounts, testKafka, toMessage, uniqueName, waitFor, type TestClickHouse } from '@audit/testing';
import type { Kafka, KafkaMessage, Message } from 'kafkajs';

const valid = makeAuditEvent();
const json = (patch: Record<string, unknown>) => JSON.stringify({ ...valid, id: undefined, ...patch, ...('id' in patch ? {} : { id: randomUUID() }) });

/** Twenty-six ways a message can be wrong, each with the reason it must be dead-lettered with. */
const MALFORMED: Array<[string, Buffer | string | null, string]> = [
  ['a tombstone (no value)', null, 'empty'],
  ['an empty value', '', 'empty'],
  ['plain text', 'hello, audit', 'not_json'],
  ['truncated JSON', serializeAuditEvent(valid).slice(0, 40), 'not_json'],
  ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 'not_utf8'],
  ['an event over the size limit', json({ reason: 'x'.repeat(LIMITS.maxEventBytes) }), 'too_large'],
  ['a JSON array', '[1,2,3]', 'contract'],
  ['a JSON number', '42', 'contract'],
  ['JSON null', 'null', 'contract'],
  ['no id', JSON.stringify({ ...valid, id: undefined }), 'contract'],
  ['an id that is not a UUID', json({ id: 'not-a-uuid' }), 'contract'],
  ['no occurredAt', json({ occurredAt: undefined }), 'contract'],
  ['occurredAt a year ahead', json({ occurredAt: new Date(Date.now() + 365 * 86_400_000).toISOString() }), 'contract'],
  ['occurredAt before 2000', json({ occurredAt: '1999-12-31T23:59:59.000Z' }), 'contract'],
  ['no organizationId', json({ organizationId: undefined }), 'contract'],
  ['an organizationId with spaces', json({ organizationId: 'org acme' }), 'contract'],
  ['no actor', json({ actor: undefined }), 'contract'],
  ['an unknown actor type', json({ actor: { id: 'u1', type: 'robot' } }), 'contract'],
  ['an invalid actor email', json({ actor: { id: 'u1', type: 'user', email: 'not-an-email' } }), 'contract'],
  ['an uppercase action', json({ action: 'Delete Everything' }), 'contract'],
  ['a lowercase resource type', json({ resource: { type: 'member', id: 'm1' } }), 'contract'],
  ['an unknown status', json({ status: 'maybe' }), 'contract'],
  ['an unknown field', json({ severity: 'high' }), 'contract'],
  ['nested metadata', json({ metadata: { nested: { deep: true } } }), 'contract'],
  ['a line break in the reason (log injection)', json({ status: 'failure', reason: 'ok\r\nFAKE LOG LINE' }), 'contract'],
  ['schemaVersion 2', json({ schemaVersion: 2 }), 'contract'],
];

async function readAll(kafka: Kafka, topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('dlq-reader') });
  const seen: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message) });
  try {
    await waitFor(async () => (seen.length >= count ? true : undefined), { what: `${count} messages on ${topic} (have ${seen.length})`, timeoutMs: 60_000 });
    return seen;
  } finally {
    await consumer.disconnect();
  }
}

describe('dead letters: malformed messages mixed with valid ones', () => {
  const kafka = testKafka('ingest-dlq');
  let clickhouse: TestClickHouse;
  let ingestor: IngestApp;
  let topic: string;
  let dlqTopic: string;

  beforeAll(async () => {
    ({ topic, dlqTopic } = await createTestTopics(kafka));
    clickhouse = await openTestClickHouse();
    ingestor = await startIngestApp(clickhouse.handle, clickhouse.database, {
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      AUDIT_TOPIC: topic,
      AUDIT_DLQ_TOPIC: dlqTopic,
      INGEST_GROUP_ID: uniqueName('ingest-dlq'),
      INGEST_FLUSH_INTERVAL_MS: '200',
      INGEST_SESSION_TIMEOUT_MS: '6000',
    });
  }, 60_000);

  afterAll(async () => {
    await ingestor?.app.close();
    await clickhouse?.close();
  }, 30_000);

  it('should store every valid event once and dead-letter every malformed one with its reason and origin', async () => {
    expect(MALFORMED.length).toBeGreaterThanOrEqual(20);
    const events = makeEvents(600);
    const resent = events.slice(0, 40).map(toMessage);
    const malformed: Message[] = MALFORMED.map(([what, value]) => ({ key: 'org_0', value: value as Buffer | string | null, headers: { 'x-test-case': what } }));
    const mixed: Message[] = [];
    events.map(toMessage).forEach((message, index) => {
      mixed.push(message);
      if (index % 20 === 0 && malformed.length > 0) mixed.push(malformed.shift()!);
    });
    mixed.push(...malformed, ...resent);
    await publish(kafka, topic, mixed, 100);

    const letters = await readAll(kafka, dlqTopic, MALFORMED.length);
    const byCase = new Map(letters.map((letter) => [letter.headers?.['x-test-case']?.toString(), letter]));
    for (const [what, , reason] of MALFORMED) {
      const letter = byCase.get(what);
      expect({ what, reason: letter?.headers?.[DLQ_HEADERS.reason]?.toString() }).toEqual({ what, reason });
      expect(JSON.parse(letter!.headers![DLQ_HEADERS.violations]!.toString()).length).toBeGreaterThan(0);
      expect(letter!.headers![DLQ_HEADERS.topic]!.toString()).toBe(topic);
      expect(letter!.headers![DLQ_HEADERS.offset]!.toString()).toMatch(/^\d+$/);
      expect(letter!.headers![DLQ_HEADERS.partition]!.toString()).toMatch(/^\d+$/);
      expect(Date.parse(letter!.headers![DLQ_HEADERS.firstSeenAt]!.toString())).not.toBeNaN();
    }
    expect(letters).toHaveLength(MALFORMED.length);

    const counts = await waitFor(
      async () => {
        const stored = await storedCounts(clickhouse.handle, clickhouse.database);
        return stored.ids >= events.length ? stored : undefined;
      },
      { what: 'every valid event stored', timeoutMs: 60_000 },
    );
    // A re-sent event id is a delivery of its own: stored once per offset, chained under its own
    // sequence number (so the engine never merges it away), and shown once by every reader.
    expect(counts.ids).toBe(events.length);
    expect(counts.rows).toBe(events.length + resent.length);
    const reader = new AuditEventsReadRepository(clickhouse.handle.client, clickhouse.database);
    const facets = await reader.countFacets('all', { from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() });
    expect(facets.status.reduce((sum, { count }) => sum + count, 0)).toBe(events.length);
  }, 120_000);

  it('should re-drive dead letters to the main topic, where they are rejected again with their first-seen time', async () => {
    const first = await readAll(kafka, dlqTopic, MALFORMED.length);
    const report = await redriveDeadLetters(kafka, { dlqTopic, groupId: uniqueName('redrive'), reason: 'not_json' });
    expect(report).toEqual({ redriven: 2, skipped: MALFORMED.length - 2, quarantined: 0 });
    const all = await readAll(kafka, dlqTopic, MALFORMED.length + 2);
    const again = all.slice(MALFORMED.length);
    expect(again.map((letter) => letter.headers?.[DLQ_HEADERS.reason]?.toString())).toEqual(['not_json', 'not_json']);
    const firstSeen = new Map(first.map((letter) => [letter.headers?.['x-test-case']?.toString(), letter.headers?.[DLQ_HEADERS.firstSeenAt]?.toString()]));
    for (const letter of again) {
      expect(letter.headers?.[DLQ_HEADERS.firstSeenAt]?.toString()).toBe(firstSeen.get(letter.headers?.['x-test-case']?.toString()));
    }
  }, 120_000);

  it('should return at once, not wait for its timeout, when the group has already re-driven to the end', async () => {
    const groupId = uniqueName('redrive-twice');
    // Nothing has this reason: the first run skips every letter and commits the end.
    expect(await redriveDeadLetters(kafka, { dlqTopic, groupId, reason: 'wrong_key' })).toEqual({ redriven: 0, skipped: expect.any(Number), quarantined: 0 });
    await expect(redriveDeadLetters(kafka, { dlqTopic, groupId, reason: 'wrong_key', timeoutMs: 5_000 })).resolves.toEqual({ redriven: 0, skipped: 0, quarantined: 0 });
  }, 60_000);
});
