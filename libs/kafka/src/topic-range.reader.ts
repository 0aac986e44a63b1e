import { randomBytes } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

export interface PartitionRange {
  partition: number;
  /** First offset to read (inclusive). */
  from: string;
  /** Offset to stop before (exclusive), usually the high watermark read just before. */
  to: string;
}

export interface ReadRangeOptions {
  /** Stop a partition after this many messages. */
  maxPerPartition?: number;
  /** Give up waiting for the remaining partitions after this long; what was read is returned. */
  timeoutMs?: number;
}

export interface RangeMessage {
  partition: number;
  message: KafkaMessage;
}

/**
 * Reads bounded offset ranges of a topic without touching any real consumer group: kafkajs has no
 * manual partition assignment, so a throwaway group (never committing, deleted afterwards) joins,
 * seeks each partition to its start and stops at the range ends. Used by the lag reader (the
 * message at a group's committed offset) and by the dead-letter tooling (list a topic).
 */
export async function readTopicRanges(kafka: Kafka, topic: string, ranges: PartitionRange[], options: ReadRangeOptions = {}): Promise<RangeMessage[]> {
  const wanted = ranges.filter((range) => BigInt(range.from) < BigInt(range.to));
  if (wanted.length === 0) return [];
  const maxPerPartition = options.maxPerPartition ?? Number.POSITIVE_INFINITY;
  const groupId = `audit-range-reader-${randomBytes(6).toString('hex')}`;
  // A short fetch wait: the first fetches find nothing at the default position, before the seeks apply.
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100, maxBytesPerPartition: maxPerPartition <= 10 ? 65_536 : 1_048_576 });
  const collected = new Map<number, RangeMessage[]>(wanted.map((range) => [range.partition, []]));
  const remaining = new Set(wanted.map((range) => range.partition));
  const ends = new Map(wanted.map((range) => [range.partition, BigInt(range.to)]));
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const timer = setTimeout(finish, options.timeoutMs ?? 10_000);
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const partition = batch.partition;
        const end = ends.get(partition);
        if (end === undefined || !remaining.has(partition)) {
          consumer.pause([{ topic, partitions: [partition] }]);
          return;
        }
        const sink = collected.get(partition) ?? [];
        for (const message of batch.messages) {
          if (BigInt(message.offset) >= end || sink.length >= maxPerPartition) break;
          sink.push({ partition, message });
        }
        const next = BigInt(batch.lastOffset()) + 1n;
        if (sink.length >= maxPerPartition || next >= end) {
          remaining.delete(partition);
          consumer.pause([{ topic, partitions: [partition] }]);
          if (remaining.size === 0) finish();
        }
      },
    });
    for (const range of wanted) consumer.seek({ topic, partition: range.partition, offset: range.from });
    await done;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
    await deleteGroupQuietly(kafka, groupId);
  }
  return [...collected.values()].flat();
}

/** The throwaway group never committed; deleting it only keeps group listings clean. */
async function deleteGroupQuietly(kafka: Kafka, groupId: string): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.deleteGroups([groupId]);
  } catch {
    // An empty group without offsets expires on its own; a failed clean-up is not an error.
  } finally {
    await admin.disconnect();
  }
}
