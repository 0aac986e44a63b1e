import { AUDIT_EVENTS_DLQ_TOPIC, AUDIT_EVENTS_TOPIC } from '@audit/contract';
import type { Kafka } from 'kafkajs';

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  retentionMs: number;
}

/** The pipeline's topics: the main topic and its dead-letter twin (kept four times longer). */
export function auditTopics(partitions: number, retentionMs: number, names = { main: AUDIT_EVENTS_TOPIC, dlq: AUDIT_EVENTS_DLQ_TOPIC }): TopicSpec[] {
  return [
    { topic: names.main, numPartitions: partitions, retentionMs },
    { topic: names.dlq, numPartitions: Math.min(partitions, 3), retentionMs: retentionMs * 4 },
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
      waitForLeaders: true,
      topics: missing.map((spec) => ({
        topic: spec.topic,
        numPartitions: spec.numPartitions,
        replicationFactor: -1,
        configEntries: [
          { name: 'retention.ms', value: String(spec.retentionMs) },
          { name: 'cleanup.policy', value: 'delete' },
        ],
      })),
    });
    return missing.map((spec) => spec.topic);
  } finally {
    await admin.disconnect();
  }
}
