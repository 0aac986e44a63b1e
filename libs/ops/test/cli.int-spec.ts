import { DLQ_HEADERS, makeAuditEvent, serializeAuditEvent } from '@audit/contract';
import { readTopicRanges } from '@audit/kafka';
import { createTestTopics, testKafka, uniqueName } from '@audit/testing';
import type { Kafka, Producer } from 'kafkajs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli';
import { captureIo } from './capture.io';

jest.setTimeout(90_000);

describe('audit CLI against the broker and the ClickHouse engine', () => {
  let kafka: Kafka;
  let producer: Producer;
  const env = () => ({ KAFKA_BROKERS: process.env.KAFKA_BROKERS });

  beforeAll(async () => {
    kafka = testKafka('cli-test');
    producer = kafka.producer();
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
  });

  async function deadLetter(dlqTopic: string, origin: { topic: string; partition: number; offset: string }, reason: string, value: string | null, extraHeaders: Record<string, string> = {}) {
    await producer.send({
      topic: dlqTopic,
      acks: -1,
      messages: [
        {
          key: 'org_cli',
          value,
          headers: {
            ...extraHeaders,
            'x-original-header': 'kept',
            [DLQ_HEADERS.reason]: reason,
            [DLQ_HEADERS.violations]: JSON.stringify([{ field: 'action', rule: 'pattern', message: 'action must be a lowercase verb' }]),
            [DLQ_HEADERS.topic]: origin.topic,
            [DLQ_HEADERS.partition]: String(origin.partition),
            [DLQ_HEADERS.offset]: origin.offset,
            [DLQ_HEADERS.firstSeenAt]: '2026-11-25T10:00:00.000Z',
          },
        },
      ],
    });
  }

  it('lag should print the committed offset, end, lag and age of each partition', async () => {
    const { topic } = await createTestTopics(kafka, 2);
    const group = uniqueName('cli-lag');
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 7 }, (_, index) => ({ partition: 0, value: `m${index}`, timestamp: String(Date.now() - 120_000) })) });
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '2' }] });
    await admin.disconnect();

    const table = captureIo(env());
    expect(await runCli(['lag', '--group', group, '--topic', topic], table.io)).toBe(0);
    const json = captureIo(env());
    expect(await runCli(['lag', '--group', group, '--topic', topic, '--json'], json.io)).toBe(0);

    expect(table.stdout()).toMatch(/^PARTITION {2}COMMITTED {2}END {2}LAG {2}OLDEST UNCONSUMED$/m);
    expect(table.stdout()).toMatch(/^ +0 +2 +7 +5 +2 m \d\d s$/m);
    expect(table.stdout()).toMatch(/^ +1 +- +0 +0 +-$/m);
    expect(table.stdout()).toMatch(/^total lag 5 messages; oldest unconsumed event 2 m \d\d s old$/m);
    expect(JSON.parse(json.stdout())).toEqual([
      expect.objectContaining({ partition: 0, committedOffset: '2', highWatermark: '7', lagMessages: 5 }),
      expect.objectContaining({ partition: 1, committedOffset: null, highWatermark: '0', lagMessages: 0 }),
    ]);
  });

  it('lag --watch should redraw until stopped', async () => {
    const { topic } = await createTestTopics(kafka, 1);
    const stop = new AbortController();
    const watch = captureIo(env(), stop.signal);

    const running = runCli(['lag', '--group', uniqueName('cli-watch'), '--topic', topic, '--watch', '--interval', '1'], watch.io);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    stop.abort();

    expect(await running).toBe(0);
    expect(watch.stdout().match(/^PARTITION/gm)?.length).toBeGreaterThanOrEqual(2);
  });

  it('dlq list should show reason, origin and violated rule of the newest dead letters, without payloads', async () => {
    const { topic, dlqTopic } = await createTestTopics(kafka, 1);
    for (let index = 0; index < 4; index += 1) await deadLetter(dlqTopic, { topic, partition: 0, offset: String(10 + index) }, index === 3 ? 'not_json' : 'contract', `secret-payload-${index}`);

    const all = captureIo(env());
    expect(await runCli(['dlq', 'list', '--topic', dlqTopic, '--limit', '3'], all.io)).toBe(0);
    const onlyJson = captureIo(env());
    expect(await runCli(['dlq', 'list', '--topic', dlqTopic, '--reason', 'not_json', '--json'], onlyJson.io)).toBe(0);

    expect(all.stdout()).toMatch(/^DLQ OFFSET +FIRST SEEN +REASON +ORIGIN +VIOLATION$/m);
    expect(all.stdout()).not.toContain(`${topic}/0/10`);
    expect(all.stdout()).toMatch(new RegExp(`^0:1 +2026-11-25T10:00:00.000Z +contract +${topic.replace(/\./g, '\\.')}/0/11 +action: pattern$`, 'm'));
    expect(all.stdout()).toContain('3 dead letters shown');
    expect(all.stdout()).not.toContain('secret-payload');
    expect(onlyJson.stdout().trim().split('\n').map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ dlqPartition: 0, dlqOffset: '3', reason: 'not_json', originTopic: topic, originPartition: 0, originOffset: '13' }),
    ]);
  });

  it('dlq list should show a quarantine record with the refusal, and dlq redrive should leave it where it is', async () => {
    const { topic, dlqTopic } = await createTestTopics(kafka, 1);
    await deadLetter(dlqTopic, { topic, partition: 0, offset: '20' }, 'too_large', null, { [DLQ_HEADERS.quarantined]: 'MESSAGE_TOO_LARGE', [DLQ_HEADERS.originalValueBytes]: '2097152' });

    const shown = captureIo(env());
    expect(await runCli(['dlq', 'list', '--topic', dlqTopic], shown.io)).toBe(0);
    expect(shown.stdout()).toMatch(new RegExp(`^0:0 +2026-11-25T10:00:00.000Z +too_large, quarantined \\(MESSAGE_TOO_LARGE\\) +${topic.replace(/\./g, '\\.')}/0/20 `, 'm'));
    const redriven = captureIo(env());
    expect(await runCli(['dlq', 'redrive', '--topic', dlqTopic, '--group', uniqueName('redrive'), '--yes'], redriven.io)).toBe(0);
    expect(redriven.stdout()).toContain('re-drove 0 dead letters');
    expect(redriven.stdout()).toContain('1 quarantine record left: its original is only on its topic');
  });

  it('dlq redrive should only count without --yes, then send the dead letters back to their topic without the dead-letter headers', async () => {
    const { topic, dlqTopic } = await createTestTopics(kafka, 1);
    const event = makeAuditEvent({ organizationId: 'org_cli' });
    await deadLetter(dlqTopic, { topic, partition: 0, offset: '5' }, 'rejected_by_clickhouse', serializeAuditEvent(event).toString());
    await deadLetter(dlqTopic, { topic, partition: 0, offset: '6' }, 'contract', 'still broken');

    const dry = captureIo(env());
    expect(await runCli(['dlq', 'redrive', '--topic', dlqTopic], dry.io)).toBe(0);
    expect(dry.stdout()).toContain(`2 dead letters on ${dlqTopic}`);
    expect(dry.stdout()).toContain('nothing sent');

    const real = captureIo(env());
    expect(await runCli(['dlq', 'redrive', '--topic', dlqTopic, '--reason', 'rejected_by_clickhouse', '--group', uniqueName('redrive'), '--yes'], real.io)).toBe(0);
    expect(real.stdout()).toContain(`re-drove 1 dead letters from ${dlqTopic}`);
    expect(real.stdout()).toContain('skipped 1');

    const admin = kafka.admin();
    await admin.connect();
    const [main] = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    expect(main.high).toBe('1');
    const [redriven] = await readTopicRanges(kafka, topic, [{ partition: 0, from: '0', to: '1' }]);
    expect(JSON.parse(redriven.message.value?.toString() ?? '')).toEqual(event);
    expect(redriven.message.headers?.['x-original-header']?.toString()).toBe('kept');
    expect(redriven.message.headers?.[DLQ_HEADERS.reason]).toBeUndefined();
  });

  it('migrate should apply the migrations once and report nothing to do the second time', async () => {
    const dataPath = mkdtempSync(join(tmpdir(), 'audit-cli-migrate-'));
    const migrateEnv = { CLICKHOUSE_DATA_PATH: dataPath, CLICKHOUSE_DATABASE: uniqueName('audit_cli'), CLICKHOUSE_URL: process.env.CLICKHOUSE_URL };
    try {
      const first = captureIo(migrateEnv);
      expect(await runCli(['migrate'], first.io)).toBe(0);
      const second = captureIo(migrateEnv);
      expect(await runCli(['migrate'], second.io)).toBe(0);

      expect(first.stdout()).toMatch(/^applied {2}0001_audit_events$/m);
      expect(first.stdout()).toMatch(/[1-9]\d* applied, 0 already applied/);
      expect(second.stdout()).toMatch(/^0 applied, [1-9]\d* already applied/m);
    } finally {
      rmSync(dataPath, { recursive: true, force: true });
    }
  });
});
