import { CLICKHOUSE, ClickHouseConfig, type ClickHouseHandle } from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import { makeAuditEvent, serializeAuditEvent, type AuditEvent } from '@audit/contract';
import { IngestConfig, IngestModule, startIngestion, type KafkaBatchTransport } from '@audit/ingest';
import { KafkaConfig } from '@audit/kafka';
import { Global, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Kafka, Message } from 'kafkajs';

/** Events spread over a few organizations (the Kafka key), like product services publish them. */
export function makeEvents(count: number, organizations = 7): AuditEvent[] {
  const base = Date.now() - 60_000;
  return Array.from({ length: count }, (_, index) =>
    makeAuditEvent({ organizationId: `org_${index % organizations}`, occurredAt: new Date(base + index).toISOString(), resource: { id: `member_${index}` } }),
  );
}

export function toMessage(event: AuditEvent): Message {
  return { key: event.organizationId, value: serializeAuditEvent(event) };
}

/** Publishes in chunks (several record batches per partition, as a live producer would). */
export async function publish(kafka: Kafka, topic: string, messages: Message[], chunk = 500): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let start = 0; start < messages.length; start += chunk) {
      await producer.send({ topic, acks: -1, messages: messages.slice(start, start + chunk) });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Messages the group has committed, summed over partitions, and the topic's end. */
export async function groupProgress(kafka: Kafka, topic: string, groupId: string): Promise<{ committed: number; end: number }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    // Right after a broker start the group coordinator may still be loading: count that as nothing committed.
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] }).catch(() => []);
    const committed = (offsets?.partitions ?? []).reduce((sum, { offset }) => sum + Math.max(0, Number(offset)), 0);
    return { committed, end: ends.reduce((sum, { high }) => sum + Number(high), 0) };
  } finally {
    await admin.disconnect();
  }
}

export interface StoredCounts {
  rows: number;
  ids: number;
}

/** `count()` and `uniqExact(event_id)` of the audit table: equal and right means exactly once. */
export async function storedCounts(handle: ClickHouseHandle, database: string): Promise<StoredCounts> {
  const result = await handle.client.query({
    query: `SELECT count() AS rows, uniqExact(event_id) AS ids FROM ${database}.audit_events`,
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ rows: string; ids: string }>();
  return { rows: Number(row.rows), ids: Number(row.ids) };
}

/**
 * Lets several ingest apps in one process share one migrated ClickHouse handle (chDB allows one
 * data directory per process; the test owns and closes the handle).
 */
@Global()
@Module({})
class SharedClickHouseModule {
  static of(handle: ClickHouseHandle, database: string): DynamicModule {
    return {
      module: SharedClickHouseModule,
      providers: [
        { provide: CLICKHOUSE, useValue: handle },
        { provide: ClickHouseConfig, useValue: loadConfig(ClickHouseConfig, { CLICKHOUSE_DATABASE: database }) },
      ],
      exports: [CLICKHOUSE, ClickHouseConfig],
    };
  }
}

export interface IngestApp {
  app: INestApplication;
  transport: KafkaBatchTransport;
}

/** One ingestor (IngestModule + the batching transport) inside this process. */
export async function startIngestApp(handle: ClickHouseHandle, database: string, env: Record<string, string | undefined>): Promise<IngestApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [SharedClickHouseModule.of(handle, database), IngestModule.forRoot(loadConfig(IngestConfig, env), loadConfig(KafkaConfig, env))],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
  const transport = await startIngestion(app);
  await app.init();
  return { app, transport };
}
