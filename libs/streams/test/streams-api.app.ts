import { ClickHouseConfig, ClickHouseModule } from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import type { AuditEvent } from '@audit/contract';
import { ensureTopics, KafkaConfig } from '@audit/kafka';
import { QueryConfig, QueryModule } from '@audit/query';
import { signTestToken, testBrokers, testKafka, uniqueName, waitFor } from '@audit/testing';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamsConfig, StreamsModule } from '../src';

export const SECRET = 'streams-test-secret-that-is-at-least-32-chars';

export interface StreamsApiApp {
  baseUrl: string;
  env: Record<string, string>;
  /** Where reads and stream changes are audited. */
  auditTopic: string;
  storedTopic: string;
  request<T = unknown>(method: string, path: string, bearer?: string, body?: unknown): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/** The query API with streams (management and delivery) on fresh topics and a fresh chDB, as the all-in-one app composes them. */
export async function startStreamsApiApp(overrides: Record<string, string> = {}): Promise<StreamsApiApp> {
  const base = uniqueName('streams.api').replace('_', '.');
  const dataPath = mkdtempSync(join(tmpdir(), 'audit-streams-api-'));
  const env: Record<string, string> = {
    KAFKA_BROKERS: testBrokers().join(','),
    ...(process.env.CLICKHOUSE_URL && { CLICKHOUSE_URL: process.env.CLICKHOUSE_URL }),
    CLICKHOUSE_DATA_PATH: dataPath,
    CLICKHOUSE_DATABASE: uniqueName('audit_streams_api'),
    AUTH_JWT_SECRET: SECRET,
    // 15 s under `npm test` (scripts/test.mjs says why): stream changes wait for their audit event too.
    ...(process.env.QUERY_AUDIT_ACK_TIMEOUT_MS && { QUERY_AUDIT_ACK_TIMEOUT_MS: process.env.QUERY_AUDIT_ACK_TIMEOUT_MS }),
    AUDIT_TOPIC: `${base}.events`,
    AUDIT_STORED_TOPIC: `${base}.stored`,
    STREAMS_DEFINITIONS_TOPIC: `${base}.definitions`,
    STREAMS_STATUS_TOPIC: `${base}.status`,
    STREAMS_GROUP_PREFIX: `${base}-`,
    STREAMS_SECRET_KEY: randomBytes(32).toString('base64'),
    STREAMS_ALLOWED_CIDRS: '127.0.0.1/32',
    STREAMS_STATUS_INTERVAL_MS: '200',
    STREAMS_RETRY_INITIAL_MS: '50',
    STREAMS_RETRY_MAX_MS: '500',
    STREAMS_SESSION_TIMEOUT_MS: '6000',
    STREAMS_HTTP_TIMEOUT_MS: '3000',
    ...overrides,
  };
  await ensureTopics(testKafka('streams-api'), [
    { topic: env.AUDIT_TOPIC, numPartitions: 1, retentionMs: 3_600_000 },
    { topic: env.AUDIT_STORED_TOPIC, numPartitions: 3, retentionMs: 3_600_000 },
  ]);
  const kafkaConfig = loadConfig(KafkaConfig, env);
  const moduleRef = await Test.createTestingModule({
    imports: [
      ClickHouseModule.forRoot(loadConfig(ClickHouseConfig, env)),
      QueryModule.forRoot(loadConfig(QueryConfig, env), kafkaConfig),
      StreamsModule.forRoot({ api: true, delivery: true }, loadConfig(StreamsConfig, env), kafkaConfig),
    ],
  }).compile();
  const app: INestApplication = moduleRef.createNestApplication({ logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    baseUrl,
    env,
    auditTopic: env.AUDIT_TOPIC,
    storedTopic: env.AUDIT_STORED_TOPIC,
    async request(method, path, bearer, body) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { ...(bearer && { authorization: `Bearer ${bearer}` }), ...(body !== undefined && { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as never };
    },
    async close() {
      await app.close();
      rmSync(dataPath, { recursive: true, force: true });
    },
  };
}

export const tokenFor = (organizationId: string, role: 'owner' | 'admin' | 'member' | 'security', subject = `user_${role}_${organizationId}`) =>
  signTestToken({ secret: SECRET, organizationId, role, subject, email: `${role}@${organizationId.replace(/_/g, '-')}.example` });

/** Audit events on `topic` whose action starts with `stream.`, once at least `count` are there. */
export async function streamChangeEvents(topic: string, count: number): Promise<AuditEvent[]> {
  const consumer = testKafka('streams-audit').consumer({ groupId: uniqueName('streams-audit') });
  const seen: AuditEvent[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    void consumer.run({ eachMessage: async ({ message }) => void seen.push(JSON.parse(message.value!.toString()) as AuditEvent) });
    const changes = () => seen.filter((event) => event.action.startsWith('stream.'));
    await waitFor(async () => (changes().length >= count ? true : undefined), { what: `${count} stream change events`, timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    return changes();
  } finally {
    await consumer.disconnect();
  }
}
