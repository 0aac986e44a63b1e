import { CLICKHOUSE, ClickHouseConfig, ClickHouseModule, type ClickHouseHandle } from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import { serializeAuditEvent, type AuditEvent } from '@audit/contract';
import { IngestConfig, IngestModule, startIngestion } from '@audit/ingest';
import { KafkaConfig } from '@audit/kafka';
import { QueryConfig, QueryModule } from '@audit/query';
import { createTestTopics, signTestToken, testKafka, uniqueName } from '@audit/testing';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Producer } from 'kafkajs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SECRET = 'e2e-secret-that-is-at-least-32-characters';

export interface FullStack {
  baseUrl: string;
  clickhouse: ClickHouseHandle;
  database: string;
  /** Where events are published and where reads are recorded. */
  topic: string;
  /** Publishes events as a product service would (key = organization). */
  publish(events: AuditEvent[]): Promise<void>;
  token(organizationId: string, role?: string): Promise<string>;
  close(): Promise<void>;
}

/** Ingestor and query API in one Nest app (like `npm start`) on the test broker and a fresh chDB directory. */
export async function startFullStack(env: Record<string, string> = {}): Promise<FullStack> {
  const dataPath = mkdtempSync(join(tmpdir(), 'audit-e2e-'));
  const kafka = testKafka('e2e');
  const topics = await createTestTopics(kafka);
  const database = uniqueName('audit_e2e');
  const config = {
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    CLICKHOUSE_URL: process.env.CLICKHOUSE_URL,
    QUERY_AUDIT_ACK_TIMEOUT_MS: process.env.QUERY_AUDIT_ACK_TIMEOUT_MS,
    CLICKHOUSE_DATA_PATH: dataPath,
    CLICKHOUSE_DATABASE: database,
    AUDIT_TOPIC: topics.topic,
    AUDIT_DLQ_TOPIC: topics.dlqTopic,
    INGEST_GROUP_ID: uniqueName('e2e-ingestor'),
    AUTH_JWT_SECRET: SECRET,
    ...env,
  };
  const moduleRef = await Test.createTestingModule({
    imports: [
      ClickHouseModule.forRoot(loadConfig(ClickHouseConfig, config)),
      IngestModule.forRoot(loadConfig(IngestConfig, config), loadConfig(KafkaConfig, config)),
      QueryModule.forRoot(loadConfig(QueryConfig, config), loadConfig(KafkaConfig, config)),
    ],
  }).compile();
  const app: INestApplication = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
  await startIngestion(app);
  await app.listen(0, '127.0.0.1');
  const producer: Producer = kafka.producer({ idempotent: true });
  await producer.connect();
  return {
    baseUrl: (await app.getUrl()).replace('[::1]', '127.0.0.1'),
    clickhouse: app.get<ClickHouseHandle>(CLICKHOUSE),
    database,
    topic: topics.topic,
    publish: async (events) => {
      await producer.send({ topic: topics.topic, acks: -1, messages: events.map((event) => ({ key: event.organizationId, value: serializeAuditEvent(event) })) });
    },
    token: (organizationId, role = 'owner') => signTestToken({ secret: SECRET, organizationId, role, email: `${role}@${organizationId}.test`, expiresIn: '10m' }),
    close: async () => {
      await producer.disconnect();
      await app.close();
      rmSync(dataPath, { recursive: true, force: true });
    },
  };
}
