import { ClickHouseConfig, ClickHouseModule } from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import { makeAuditEvent, serializeAuditEvent } from '@audit/contract';
import { IngestConfig, IngestModule, KafkaBatchTransport, startIngestion } from '@audit/ingest';
import { KafkaConfig } from '@audit/kafka';
import { ObservabilityModule, OpsListener, pipelineMetricCatalog } from '@audit/observability';
import { runCli, type CliIo } from '@audit/ops';
import { QueryConfig, QueryHealth, QueryModule } from '@audit/query';
import { createTestTopics, testKafka, uniqueName, waitFor, signTestToken } from '@audit/testing';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Consumer, Producer } from 'kafkajs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(120_000);

const SECRET = 'operability-secret-that-is-at-least-32-chars';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format, as far as these assertions need it. */
function parseMetrics(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1], type[2]);
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) continue;
    const labels = Object.fromEntries([...(sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((match) => [match[1], match[2]]));
    samples.push({ name: sample[1], labels, value: Number(sample[3]) });
  }
  return { samples, types };
}

function sum(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value)).reduce((total, sample) => total + sample.value, 0);
}

function captureIo(env: NodeJS.ProcessEnv) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) }, env, signal: new AbortController().signal };
  return { io, stdout: () => stdout, stderr: () => stderr };
}

describe('operability: metrics, lag and the audit CLI against the running pipeline', () => {
  const dataPath = mkdtempSync(join(tmpdir(), 'audit-ops-e2e-'));
  const organizationId = uniqueName('org_ops');
  let app: INestApplication;
  let baseUrl: string;
  let opsUrl: string;
  let producer: Producer;
  let topic: string;
  let dlqTopic: string;
  let groupId: string;
  let cliEnv: NodeJS.ProcessEnv;

  async function scrape() {
    const response = await fetch(`${opsUrl}/metrics`);
    expect(response.status).toBe(200);
    return parseMetrics(await response.text());
  }

  /** Scrapes until `check` returns a value; each scrape reads the lag from the broker afresh. */
  function scrapeUntil<T>(what: string, check: (samples: Sample[]) => T | undefined): Promise<T> {
    return waitFor(async () => check((await scrape()).samples), { what, timeoutMs: 60_000, intervalMs: 500 });
  }

  async function publish(count: number, resourceType = 'Member'): Promise<void> {
    const messages = Array.from({ length: count }, () => {
      const event = makeAuditEvent({ organizationId, resource: { type: resourceType, id: uniqueName('res') } });
      return { key: organizationId, value: serializeAuditEvent(event) };
    });
    await producer.send({ topic, acks: -1, messages });
  }

  beforeAll(async () => {
    const kafka = testKafka('ops-e2e');
    ({ topic, dlqTopic } = await createTestTopics(kafka, 3));
    groupId = uniqueName('ops-ingestor');
    const env = {
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      CLICKHOUSE_URL: process.env.CLICKHOUSE_URL,
      QUERY_AUDIT_ACK_TIMEOUT_MS: process.env.QUERY_AUDIT_ACK_TIMEOUT_MS,
      CLICKHOUSE_DATA_PATH: dataPath,
      CLICKHOUSE_DATABASE: uniqueName('audit_ops'),
      AUDIT_TOPIC: topic,
      AUDIT_DLQ_TOPIC: dlqTopic,
      INGEST_GROUP_ID: groupId,
      INGEST_FLUSH_INTERVAL_MS: '200',
      AUTH_JWT_SECRET: SECRET,
    };
    cliEnv = { KAFKA_BROKERS: process.env.KAFKA_BROKERS, AUDIT_TOPIC: topic, AUDIT_DLQ_TOPIC: dlqTopic, INGEST_GROUP_ID: groupId };
    const moduleRef = await Test.createTestingModule({
      imports: [
        ObservabilityModule.forRoot({ app: 'ops-e2e', opsPort: 0, defaultMetrics: false, config: { LOG_LEVEL: 'warn' } }),
        ClickHouseModule.forRoot(loadConfig(ClickHouseConfig, env)),
        IngestModule.forRoot(loadConfig(IngestConfig, env), loadConfig(KafkaConfig, env)),
        QueryModule.forRoot(loadConfig(QueryConfig, env), loadConfig(KafkaConfig, env)),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
    await startIngestion(app);
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    opsUrl = await app.get(OpsListener).listen(app.get(QueryHealth));
    producer = kafka.producer();
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await app?.close();
    rmSync(dataPath, { recursive: true, force: true });
  }, 30_000);

  it('should expose every metric the pipeline defines on GET /metrics', async () => {
    const { types } = await scrape();

    const missing = (await pipelineMetricCatalog()).filter((metric) => types.get(metric.name) !== metric.type).map((metric) => metric.name);

    expect(missing).toEqual([]);
  });

  it('should count stored rows and observe their freshness, with no lag once caught up', async () => {
    await publish(30);

    const stored = await scrapeUntil('30 rows inserted and no lag', (samples) =>
      sum(samples, 'audit_ingest_rows_inserted_total') >= 30 && sum(samples, 'audit_ingest_consumer_lag_messages', { topic }) === 0 ? samples : undefined,
    );

    expect(sum(stored, 'audit_ingest_messages_consumed_total')).toBeGreaterThanOrEqual(30);
    expect(sum(stored, 'audit_ingest_freshness_seconds_count')).toBeGreaterThanOrEqual(30);
    expect(sum(stored, 'audit_ingest_freshness_seconds_bucket', { le: '+Inf' })).toBe(sum(stored, 'audit_ingest_freshness_seconds_count'));
    expect(sum(stored, 'audit_ingest_insert_batch_rows_sum')).toBeGreaterThanOrEqual(30);
    expect(sum(stored, 'audit_ingest_insert_duration_seconds_count', { outcome: 'success' })).toBeGreaterThanOrEqual(1);
    expect(stored.filter((sample) => sample.name === 'audit_ingest_consumer_lag_seconds' && sample.labels.topic === topic).map((sample) => sample.labels.partition).sort()).toEqual(['0', '1', '2']);
  });

  it('should report lag that rises while the ingestor is paused and falls when it resumes', async () => {
    const consumer = app.get(KafkaBatchTransport).unwrap<Consumer>();
    const before = sum((await scrape()).samples, 'audit_ingest_rows_inserted_total');
    consumer.pause([{ topic }]);
    try {
      await publish(20);
      await new Promise((resolve) => setTimeout(resolve, 1_500));

      const behind = await scrapeUntil('a lag of 20 messages', (samples) => (sum(samples, 'audit_ingest_consumer_lag_messages', { topic }) === 20 ? samples : undefined));
      const oldest = Math.max(...behind.filter((sample) => sample.name === 'audit_ingest_consumer_lag_seconds' && sample.labels.topic === topic).map((sample) => sample.value));
      expect(oldest).toBeGreaterThanOrEqual(1);
      expect(oldest).toBeLessThan(60);

      const cli = captureIo(cliEnv);
      expect(await runCli(['lag', '--json'], cli.io)).toBe(0);
      const lags = JSON.parse(cli.stdout()) as Array<{ lagMessages: number }>;
      expect(lags.reduce((total, lag) => total + lag.lagMessages, 0)).toBe(20);
    } finally {
      consumer.resume([{ topic }]);
    }

    const caughtUp = await scrapeUntil('the lag to fall back to 0', (samples) => (sum(samples, 'audit_ingest_consumer_lag_messages', { topic }) === 0 ? samples : undefined));
    expect(sum(caughtUp, 'audit_ingest_consumer_lag_seconds', { topic })).toBe(0);
    expect(sum(caughtUp, 'audit_ingest_rows_inserted_total')).toBeGreaterThanOrEqual(before + 20);
  });

  it('should count dead letters by reason as sent, list them and re-drive them with the CLI', async () => {
    const notJson = ['{"id":', 'plain text', '<xml/>'];
    const breaksContract = [JSON.stringify({ organizationId, action: 'Not A Verb' }), JSON.stringify({ hello: 'world' })];
    await producer.send({ topic, acks: -1, messages: [...notJson, ...breaksContract].map((value) => ({ key: organizationId, value })) });

    await scrapeUntil('5 dead letters', (samples) =>
      sum(samples, 'audit_ingest_dead_letters_total', { reason: 'not_json' }) === 3 && sum(samples, 'audit_ingest_dead_letters_total', { reason: 'contract' }) === 2 ? true : undefined,
    );

    const list = captureIo(cliEnv);
    expect(await runCli(['dlq', 'list', '--json'], list.io)).toBe(0);
    const letters = list
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { reason: string; originTopic: string });
    expect(letters.map((letter) => letter.reason).sort()).toEqual(['contract', 'contract', 'not_json', 'not_json', 'not_json']);
    expect(new Set(letters.map((letter) => letter.originTopic))).toEqual(new Set([topic]));

    const redrive = captureIo(cliEnv);
    expect(await runCli(['dlq', 'redrive', '--reason', 'not_json', '--group', uniqueName('ops-redrive'), '--yes'], redrive.io)).toBe(0);
    expect(redrive.stdout()).toContain('re-drove 3 dead letters');

    // Still malformed, the re-driven messages come back as dead letters: the counter shows the second pass.
    const after = await scrapeUntil('the re-driven dead letters', (samples) => (sum(samples, 'audit_ingest_dead_letters_total', { reason: 'not_json' }) === 6 ? samples : undefined));
    expect(sum(after, 'audit_ingest_dead_letters_total', { reason: 'contract' })).toBe(2);
  });

  it('should export the filtered rows to a file with the CLI and time the request by endpoint', async () => {
    const token = await signTestToken({ secret: SECRET, organizationId, expiresIn: '5m' });
    const out = join(dataPath, 'members.csv');
    const cli = captureIo({ ...cliEnv, AUDIT_API_URL: baseUrl, AUDIT_API_TOKEN: token });

    const code = await runCli(['export', '--out', out, '--format', 'csv', '--resource-type', 'Member'], cli.io);

    expect({ code, stderr: cli.stderr() }).toEqual({ code: 0, stderr: expect.stringContaining('50 rows') });
    expect(cli.stdout()).toMatch(/^exported 50 rows \(csv, sha256 [0-9a-f]{64}\)/);
    expect(readFileSync(out, 'utf8').trimEnd().split('\n')).toHaveLength(51);
    const { samples } = await scrape();
    expect(sum(samples, 'audit_http_request_duration_seconds_count', { route: '/v1/audit-logs/export', status_code: '200' })).toBe(1);
  });

  it("should report the query API's own audit producer (reads are audited) through the producer metrics", async () => {
    const sent = await scrapeUntil('the read audit events to be acknowledged', (samples) => {
      const count = sum(samples, 'audit_producer_events_sent_total');
      return count >= 1 && sum(samples, 'audit_producer_buffered_events') === 0 ? samples : undefined;
    });

    expect(sum(sent, 'audit_producer_batch_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sum(sent, 'audit_producer_events_failed_total')).toBe(0);
  });
});
