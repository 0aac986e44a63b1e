import type { ClickHouseHandle } from '@audit/clickhouse';
import { serializeAuditEvent, type AuditEvent } from '@audit/contract';
import { createCompleteSendProducer } from '@audit/kafka';
import type { Admin, Kafka, Message } from 'kafkajs';

export function toMessage(event: AuditEvent): Message {
  return { key: event.organizationId, value: serializeAuditEvent(event) };
}

/** Publishes in chunks (several record batches per partition, as a live producer would). */
export async function publish(kafka: Kafka, topic: string, messages: Message[], chunk = 500): Promise<void> {
  const producer = createCompleteSendProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let start = 0; start < messages.length; start += chunk) {
      await producer.send({ topic, acks: -1, messages: messages.slice(start, start + chunk) });
    }
  } finally {
    await producer.disconnect();
  }
}

/**
 * The topic's offsets, retried while the broker answers with a retriable error (a partition
 * whose leader is still being elected right after the topic was created or the broker restarted).
 */
async function topicOffsets(admin: Admin, topic: string): ReturnType<Admin['fetchTopicOffsets']> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Messages on a topic, summed over its partitions (what was produced, whatever its kind). */
export async function topicSize(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await topicOffsets(admin, topic)).reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0);
  } finally {
    await admin.disconnect();
  }
}

export interface GroupProgress {
  /** Messages the group has committed, summed over partitions. */
  committed: number;
  /** The topic's end offsets, summed. */
  end: number;
  /** The same per partition, with the commit metadata (a recorded pending range shows there). */
  partitions: Array<{ partition: number; committed: number; end: number; metadata: string | null }>;
}

/** How far the group has committed the topic, in all and per partition. */
export async function groupProgress(kafka: Kafka, topic: string, groupId: string): Promise<GroupProgress> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await topicOffsets(admin, topic);
    // Right after a broker start the group coordinator may still be loading: count that as nothing committed.
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] }).catch(() => []);
    const partitions = ends
      .map(({ partition, high }) => {
        const entry = offsets?.partitions.find((committed) => committed.partition === partition);
        return { partition, committed: Math.max(0, Number(entry?.offset ?? -1)), end: Number(high), metadata: entry?.metadata ?? null };
      })
      .sort((a, b) => a.partition - b.partition);
    return { committed: partitions.reduce((sum, { committed }) => sum + committed, 0), end: partitions.reduce((sum, { end }) => sum + end, 0), partitions };
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
