import { AUDIT_EVENTS_DLQ_TOPIC, AUDIT_EVENTS_TOPIC } from '@audit/contract';
import type { Admin, Kafka } from 'kafkajs';

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  retentionMs: number;
  /** `delete` (default) keeps records for `retentionMs`; `compact` keeps the newest record of each key. */
  cleanupPolicy?: 'delete' | 'compact';
}

/**
 * The pipeline's topics: the main topic, its dead-letter twin (kept four times longer) and, when
 * named, the projection of what was stored (partitioned and kept like the main topic).
 */
export function auditTopics(partitions: number, retentionMs: number, names: { main: string; dlq: string; stored?: string } = { main: AUDIT_EVENTS_TOPIC, dlq: AUDIT_EVENTS_DLQ_TOPIC }): TopicSpec[] {
  return [
    { topic: names.main, numPartitions: partitions, retentionMs },
    { topic: names.dlq, numPartitions: Math.min(partitions, 3), retentionMs: retentionMs * 4 },
    ...(names.stored ? [{ topic: names.stored, numPartitions: partitions, retentionMs }] : []),
  ];
}

/**
 * Creates missing topics with explicit partitions and retention (the broker's auto-create is off).
 * Existing topics are left as they are: partitions can only grow, which changes key placement.
 */
export async function ensureTopics(kafka: Kafka, specs: TopicSpec[]): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.topic));
    if (missing.length === 0) return [];
    await admin.createTopics({
      waitForLeaders: false,
      topics: missing.map((spec) => ({
        topic: spec.topic,
        numPartitions: spec.numPartitions,
        replicationFactor: -1,
        configEntries: [
          { name: 'retention.ms', value: String(spec.retentionMs) },
          { name: 'cleanup.policy', value: spec.cleanupPolicy ?? 'delete' },
        ],
      })),
    });
    await waitForLeaders(admin, missing.map((spec) => spec.topic));
    return missing.map((spec) => spec.topic);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Waits until every partition of `topics` has a leader. kafkajs's own `waitForLeaders` gives up
 * when a KRaft broker still answers UNKNOWN_TOPIC_OR_PARTITION for a topic it has just created
 * (a retriable error it does not retry), which fails a boot or a test now and then.
 */
async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics });
      if (metadata.topics.every((topic) => topic.partitions.length > 0 && topic.partitions.every((partition) => partition.leader >= 0))) return;
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable || Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have no leader after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
