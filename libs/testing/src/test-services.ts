import { createClickHouseClient, runMigrations, type ClickHouseHandle } from '@audit/clickhouse';
import { createKafka, type TopicSpec, ensureTopics } from '@audit/kafka';
import type { Kafka } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The broker started by `npm test` (scripts/test.mjs); integration tests never start their own. */
export function testBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run integration tests through `npm test`, which starts the broker');
  return brokers.split(',');
}

export function testKafka(clientId = 'test'): Kafka {
  return createKafka({ brokers: testBrokers(), clientId });
}

/** A short random suffix: every test gets its own topics, group ids and databases. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** Creates fresh main, dead-letter and stored (projection) topics for one test. */
export async function createTestTopics(kafka: Kafka, partitions = 3): Promise<{ topic: string; dlqTopic: string; storedTopic: string }> {
  const topic = uniqueName('audit.events.test').replace('_', '.');
  const dlqTopic = `${topic}.dlq`;
  const storedTopic = `${topic}.stored`;
  const specs: TopicSpec[] = [
    { topic, numPartitions: partitions, retentionMs: 3_600_000 },
    { topic: dlqTopic, numPartitions: 1, retentionMs: 3_600_000 },
    { topic: storedTopic, numPartitions: partitions, retentionMs: 3_600_000 },
  ];
  await ensureTopics(kafka, specs);
  return { topic, dlqTopic, storedTopic };
}

export interface TestClickHouse {
  handle: ClickHouseHandle;
  database: string;
  /** The embedded engine's data directory (undefined for a server). */
  dataPath?: string;
  close(): Promise<void>;
}

/**
 * A migrated database of its own: on the ClickHouse server when CLICKHOUSE_URL is set (containers),
 * else in a fresh chDB directory. chDB allows one data directory per process at a time, so close
 * it at the end of the test file.
 */
export async function openTestClickHouse(options: { dataPath?: string; retentionDays?: number } = {}): Promise<TestClickHouse> {
  const url = process.env.CLICKHOUSE_URL;
  const dataPath = url ? undefined : (options.dataPath ?? mkdtempSync(join(tmpdir(), 'audit-chdb-')));
  const handle = createClickHouseClient({ url, dataPath: dataPath ?? '' });
  const database = uniqueName('audit_test');
  await runMigrations(handle.client, { database, retentionDays: options.retentionDays ?? 2192, topology: 'single' });
  return {
    handle,
    database,
    dataPath,
    close: async () => {
      await handle.client.close();
      if (dataPath && !options.dataPath) rmSync(dataPath, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns a value that is not undefined, or fails with the last state. */
export async function waitFor<T>(check: () => Promise<T | undefined>, { timeoutMs = 30_000, intervalMs = 200, what = 'condition' } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
