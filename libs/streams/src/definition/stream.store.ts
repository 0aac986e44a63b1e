import { ensureTopics } from '@audit/kafka';
import type { Kafka, Producer } from 'kafkajs';
import { CompactedTopicTable } from './compacted-topic.table';
import type { StreamDefinition, StreamStatus } from './stream-definition';

export interface StreamStoreTopics {
  definitions: string;
  status: string;
}

/** Compacted topics keep every key's newest record for good; the retention below only bounds tombstones' life. */
const TABLE_RETENTION_MS = 7 * 24 * 3_600_000;

/**
 * Where streams live, event-sourced on Kafka: the definitions topic (written by the management API,
 * key = stream id, a deletion is a tombstone) and the status topic (written by the delivery). Both
 * are compacted, one partition, so every process follows every change in order. The API stays
 * read-only on ClickHouse, and the delivery needs no database to know its streams.
 */
export class StreamStore {
  readonly definitions: CompactedTopicTable<StreamDefinition>;
  readonly statuses: CompactedTopicTable<StreamStatus>;

  constructor(
    private readonly kafka: Kafka,
    readonly producer: Producer,
    private readonly topics: StreamStoreTopics,
  ) {
    this.definitions = new CompactedTopicTable<StreamDefinition>(kafka, producer, topics.definitions, { isNewer: (candidate, current) => candidate.version > current.version });
    this.statuses = new CompactedTopicTable<StreamStatus>(kafka, producer, topics.status, { isNewer: (candidate, current) => candidate.updatedAt > current.updatedAt });
  }

  /** Creates the topics when missing, then reads both to their ends. */
  async start(): Promise<void> {
    await ensureTopics(this.kafka, [
      { topic: this.topics.definitions, numPartitions: 1, retentionMs: TABLE_RETENTION_MS, cleanupPolicy: 'compact' },
      { topic: this.topics.status, numPartitions: 1, retentionMs: TABLE_RETENTION_MS, cleanupPolicy: 'compact' },
    ]);
    await Promise.all([this.definitions.start(), this.statuses.start()]);
  }

  async close(): Promise<void> {
    await Promise.all([this.definitions.close(), this.statuses.close()]);
  }
}
