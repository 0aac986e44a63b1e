import { ClickHouseConfig, ClickHouseModule } from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import { ConsoleConfig, ConsoleModule } from '@audit/console';
import { serializeAuditEvent, type AuditEvent } from '@audit/contract';
import { IngestConfig, IngestModule, startIngestion } from '@audit/ingest';
import { KafkaConfig } from '@audit/kafka';
import { QueryConfig, QueryModule } from '@audit/query';
import { StreamsConfig, StreamsModule } from '@audit/streams';
import { createTestTopics, testKafka, uniqueName, signTestToken } from '@audit/testing';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Producer } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

const OUTPUT = join(__dirname, '..', '..', '..', 'test-output');
/** Where global-setup.mjs builds the page. */
export const CONSOLE_BUILD_DIR = join(OUTPUT, 'console-build');
export const SCREENSHOT_DIR = join(OUTPUT, 'screenshots');

const SECRET = 'browser-test-secret-that-is-at-least-32-characters';

/** Debian's Chromium, driven by playwright-core (never a downloaded browser); flags from ENVIRONMENT.md. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface ConsoleStack {
  baseUrl: string;
  organizationId: string;
  /** A bearer token of the organization (or another); `expiresIn` accepts jose's forms ('5m') or a past epoch second. */
  token(role?: string, expiresIn?: string | number, organization?: string): Promise<string>;
  publish(events: AuditEvent[]): Promise<void>;
  close(): Promise<void>;
}

/** Ingestor, query API, streams and console in one Nest app on the test broker and a fresh chDB, like `npm start`. */
export async function startConsoleStack(): Promise<ConsoleStack> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const dataPath = mkdtempSync(join(tmpdir(), 'audit-browser-'));
  const kafka = testKafka('browser');
  const topics = await createTestTopics(kafka);
  const env = {
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    CLICKHOUSE_URL: process.env.CLICKHOUSE_URL,
    QUERY_AUDIT_ACK_TIMEOUT_MS: process.env.QUERY_AUDIT_ACK_TIMEOUT_MS,
    CLICKHOUSE_DATA_PATH: dataPath,
    CLICKHOUSE_DATABASE: uniqueName('audit_browser'),
    AUDIT_TOPIC: topics.topic,
    AUDIT_DLQ_TOPIC: topics.dlqTopic,
    INGEST_GROUP_ID: uniqueName('browser-ingestor'),
    AUTH_JWT_SECRET: SECRET,
    CONSOLE_ASSETS_DIR: CONSOLE_BUILD_DIR,
    AUDIT_STORED_TOPIC: topics.storedTopic,
    STREAMS_DEFINITIONS_TOPIC: `${topics.topic}.streams`,
    STREAMS_STATUS_TOPIC: `${topics.topic}.streams.status`,
    STREAMS_GROUP_PREFIX: `${topics.topic}-stream-`,
    STREAMS_SECRET_KEY: randomBytes(32).toString('base64'),
    STREAMS_ALLOWED_CIDRS: '127.0.0.1/32',
    STREAMS_STATUS_INTERVAL_MS: '300',
    STREAMS_RETRY_INITIAL_MS: '100',
    STREAMS_RETRY_MAX_MS: '500',
    STREAMS_FAILING_AFTER_ATTEMPTS: '2',
  };
  const moduleRef = await Test.createTestingModule({
    imports: [
      ClickHouseModule.forRoot(loadConfig(ClickHouseConfig, env)),
      IngestModule.forRoot(loadConfig(IngestConfig, env), loadConfig(KafkaConfig, env)),
      QueryModule.forRoot(loadConfig(QueryConfig, env), loadConfig(KafkaConfig, env)),
      StreamsModule.forRoot({ api: true, delivery: true }, loadConfig(StreamsConfig, env), loadConfig(KafkaConfig, env)),
      ConsoleModule.forRoot(loadConfig(ConsoleConfig, env)),
    ],
  }).compile();
  const app: INestApplication = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
  await startIngestion(app);
  await app.listen(0, '127.0.0.1');
  const producer: Producer = kafka.producer({ idempotent: true });
  await producer.connect();
  const organizationId = uniqueName('org_browser');
  return {
    baseUrl: await app.getUrl(),
    organizationId,
    token: (role = 'owner', expiresIn: string | number = '30m', organization = organizationId) =>
      signTestToken({ secret: SECRET, organizationId: organization, role, email: `${role}@demo.test`, expiresIn }),
    publish: async (events) => {
      await producer.send({ topic: topics.topic, acks: -1, messages: events.map((event) => ({ key: event.organizationId, value: serializeAuditEvent(event) })) });
    },
    close: async () => {
      await producer.disconnect();
      await app.close();
      rmSync(dataPath, { recursive: true, force: true });
    },
  };
}
