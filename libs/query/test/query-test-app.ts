import { AuditEventsWriteRepository, CLICKHOUSE, ClickHouseConfig, ClickHouseModule, toAuditEventRow, type ClickHouseHandle } from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import type { AuditEvent } from '@audit/contract';
import { createKafka, KafkaConfig } from '@audit/kafka';
import { createTestTopics, testKafka, uniqueName, signTestToken, waitFor } from '@audit/testing';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryConfig, QueryModule, setupOpenApi } from '../src';

export const SECRET = 'query-test-secret-that-is-at-least-32-chars';

export interface QueryTestApp {
  app: INestApplication;
  baseUrl: string;
  clickhouse: ClickHouseHandle;
  database: string;
  /** Topic receiving the audit events of reads. */
  topic: string;
  insert(events: AuditEvent[]): Promise<void>;
  close(): Promise<void>;
}

/** The query API over a fresh chDB directory and database, recording reads to a fresh topic (plus `modules`, e.g. the console). */
export async function startQueryTestApp(env: Record<string, string> = {}, modules: DynamicModule[] = []): Promise<QueryTestApp> {
  const dataPath = mkdtempSync(join(tmpdir(), 'audit-query-'));
  const database = uniqueName('audit_query');
  // On the broker the app records to (a test's own broker when env names one).
  const kafka = env.KAFKA_BROKERS ? createKafka({ brokers: env.KAFKA_BROKERS.split(','), clientId: 'query-test' }) : testKafka('query-test');
  const { topic } = await createTestTopics(kafka, 1);
  const config = {
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    CLICKHOUSE_URL: process.env.CLICKHOUSE_URL,
    CLICKHOUSE_DATA_PATH: dataPath,
    CLICKHOUSE_DATABASE: database,
    AUTH_JWT_SECRET: SECRET,
    AUDIT_TOPIC: topic,
    // 15 s under `npm test` (scripts/test.mjs says why); the outage test sets its own.
    QUERY_AUDIT_ACK_TIMEOUT_MS: process.env.QUERY_AUDIT_ACK_TIMEOUT_MS,
    ...env,
  };
  const moduleRef = await Test.createTestingModule({
    imports: [ClickHouseModule.forRoot(loadConfig(ClickHouseConfig, config)), QueryModule.forRoot(loadConfig(QueryConfig, config), loadConfig(KafkaConfig, config)), ...modules],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
  setupOpenApi(app);
  await app.listen(0, '127.0.0.1');
  const clickhouse = app.get<ClickHouseHandle>(CLICKHOUSE);
  const writer = new AuditEventsWriteRepository(clickhouse.client, database);
  let batch = 0;
  return {
    app,
    baseUrl: (await app.getUrl()).replace('[::1]', '127.0.0.1'),
    clickhouse,
    database,
    topic,
    insert: async (events) => {
      batch += 1;
      const rows = events.map((event, index) => toAuditEventRow(event, { topic: 'seed', partition: 0, offset: String(batch * 1_000_000 + index) }));
      for (let start = 0; start < rows.length; start += 50_000) {
        await writer.insert(rows.slice(start, start + 50_000), { deduplicationToken: uniqueName(`seed-${batch}-${start}`) });
      }
    },
    close: async () => {
      await app.close();
      rmSync(dataPath, { recursive: true, force: true });
    },
  };
}

export type Role = 'owner' | 'admin' | 'member' | 'security';

export function token(organizationId: string, role: Role, options: { expiresIn?: string | number; secret?: string; subject?: string } = {}): Promise<string> {
  return signTestToken({
    secret: options.secret ?? SECRET,
    organizationId,
    role,
    email: `${role}@${organizationId.replace(/_/g, '-')}.example`,
    subject: options.subject,
    expiresIn: options.expiresIn,
  });
}

export interface JsonResponse<T = unknown> {
  status: number;
  body: T;
}

export async function getJson<T = unknown>(baseUrl: string, path: string, bearer?: string): Promise<JsonResponse<T>> {
  const response = await fetch(`${baseUrl}${path}`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/**
 * The audit events of reads by `subject` recorded on `topic`, read from the beginning by a consumer
 * of its own until `count` have arrived (then half a second more, so that extra ones would show).
 */
export async function auditEventsOfReader(topic: string, subject: string, count: number): Promise<AuditEvent[]> {
  const consumer = testKafka('query-audit-reader').consumer({ groupId: uniqueName('read-audit') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: AuditEvent[] = [];
  void consumer.run({ eachMessage: async ({ message }) => void seen.push(JSON.parse(message.value!.toString()) as AuditEvent) });
  const mine = () => seen.filter((event) => event.actor.id === subject);
  try {
    await waitFor(async () => mine().length >= count || undefined, { what: `${count} audit events of ${subject}'s reads`, timeoutMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    return mine();
  } finally {
    await consumer.disconnect();
  }
}
