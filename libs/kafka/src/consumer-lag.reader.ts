import type { Admin, Kafka } from 'kafkajs';
import { readTopicRanges } from './topic-range.reader';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** The group's committed offset; null when the group never committed on this partition. */
  committedOffset: string | null;
  /** Where the group resumes: the committed offset, or the log start when there is none. */
  position: string;
  highWatermark: string;
  /** Messages written but not yet consumed (high watermark − position). */
  lagMessages: number;
  /** Broker timestamp (ms) of the oldest unconsumed message; null when there is no lag or it was not read. */
  oldestUnconsumedTimestamp: number | null;
  /** Age of the oldest unconsumed message at the time of reading, in seconds; 0 without lag. */
  lagSeconds: number;
}

const RETRIES = 5;

/**
 * kafkajs's admin does not retry an offset fetch that meets a coordinator still loading or just
 * moved (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS): errors the broker marks retriable.
 */
async function retryRetriable<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= RETRIES || !(error as { retriable?: boolean }).retriable) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

export interface ReadLagOptions {
  /** Read the message at each lagging partition's position for its age (one short fetch). Default true. */
  withAge?: boolean;
  timeoutMs?: number;
}

/**
 * How far a consumer group is behind on one topic, per partition: committed offset against the
 * high watermark, and the age of the oldest message it has not consumed yet (the message at the
 * committed offset) — the number SREs alert on, since a lag in messages means little without a rate.
 */
export class ConsumerLagReader {
  private admin?: Promise<Admin>;

  constructor(
    private readonly kafka: Kafka,
    private readonly now: () => number = Date.now,
  ) {}

  async read(groupId: string, topic: string, options: ReadLagOptions = {}): Promise<PartitionLag[]> {
    const admin = await this.connectedAdmin();
    const [watermarks, [committed]] = await retryRetriable(() => Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]));
    const committedByPartition = new Map((committed?.partitions ?? []).map((entry) => [entry.partition, entry.offset]));
    const lags: PartitionLag[] = watermarks
      .map(({ partition, low, high }) => {
        const offset = committedByPartition.get(partition);
        const committedOffset = offset === undefined || BigInt(offset) < 0n ? null : offset;
        // A commit below the log start (retention removed it) resumes at the log start.
        const position = committedOffset === null || BigInt(committedOffset) < BigInt(low) ? low : committedOffset;
        const lagMessages = Number(BigInt(high) - BigInt(position));
        return { topic, partition, committedOffset, position, highWatermark: high, lagMessages: Math.max(lagMessages, 0), oldestUnconsumedTimestamp: null, lagSeconds: 0 };
      })
      .sort((a, b) => a.partition - b.partition);
    if (options.withAge === false) return lags;
    const lagging = lags.filter((lag) => lag.lagMessages > 0);
    const heads = await readTopicRanges(
      this.kafka,
      topic,
      lagging.map((lag) => ({ partition: lag.partition, from: lag.position, to: lag.highWatermark })),
      { maxPerPartition: 1, timeoutMs: options.timeoutMs ?? 10_000 },
    );
    const now = this.now();
    for (const { partition, message } of heads) {
      const lag = lags.find((entry) => entry.partition === partition);
      if (!lag) continue;
      lag.oldestUnconsumedTimestamp = Number(message.timestamp);
      lag.lagSeconds = Math.max(0, (now - lag.oldestUnconsumedTimestamp) / 1000);
    }
    return lags;
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await (await admin?.catch(() => undefined))?.disconnect();
  }

  /** One admin connection for the reader's life (the CLI's --watch and every scrape reuse it). */
  private connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      this.admin = admin.connect().then(() => admin);
      this.admin.catch(() => (this.admin = undefined));
    }
    return this.admin;
  }
}
