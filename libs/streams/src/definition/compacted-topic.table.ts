import { Logger } from '@nestjs/common';
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import { randomBytes } from 'node:crypto';

export interface CompactedTopicTableOptions<T> {
  /** True when `candidate` is newer than `current`: an older record read late never overwrites a newer one, and the same one read twice changes nothing. */
  isNewer(candidate: T, current: T): boolean;
  /** How long `start()` waits to catch up with the topic. */
  timeoutMs?: number;
}

type Listener<T> = (key: string, value: T | undefined) => void;

/**
 * A compacted Kafka topic as an in-memory table, key → newest JSON value (a null value deletes):
 * read from the beginning by a consumer group of its own that never commits (deleted at close),
 * so every process holding a table sees every change, in the order written per key. `put` writes
 * to the topic (all replicas acknowledge) and applies the value here at once, so a process reads
 * its own writes; other processes see them when their consumer reads them (~100 ms).
 */
export class CompactedTopicTable<T> {
  private readonly logger: Logger;
  private readonly rows = new Map<string, T>();
  private readonly deleted = new Set<string>();
  private readonly listeners: Listener<T>[] = [];
  private readonly groupId = `audit-streams-table-${randomBytes(6).toString('hex')}`;
  private consumer?: Consumer;

  constructor(
    private readonly kafka: Kafka,
    private readonly producer: Pick<Producer, 'send'>,
    readonly topic: string,
    private readonly options: CompactedTopicTableOptions<T>,
  ) {
    this.logger = new Logger(`CompactedTopicTable(${topic})`);
  }

  /** Reads the topic up to its end as it stands now, then keeps following it. */
  async start(): Promise<void> {
    const ends = new Map<number, bigint>();
    for (const { partition, high } of await this.topicEnds()) if (BigInt(high) > 0n) ends.set(partition, BigInt(high));
    let caughtUp: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (caughtUp = resolve));
    const check = () => ends.size === 0 && caughtUp();
    check();
    this.consumer = this.kafka.consumer({ groupId: this.groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) if (message.key) this.apply(message.key.toString(), message.value ? (JSON.parse(message.value.toString()) as T) : undefined);
        const end = ends.get(batch.partition);
        if (end !== undefined && BigInt(batch.lastOffset()) + 1n >= end) {
          ends.delete(batch.partition);
          check();
        }
      },
    });
    const timeoutMs = this.options.timeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${this.topic} not read to its end within ${timeoutMs} ms`)), timeoutMs)));
    try {
      await Promise.race([ready, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The topic's end offsets, retried while the broker answers with a retriable error (a topic
   * created a moment ago may not have its leader everywhere yet: NOT_LEADER_OR_FOLLOWER).
   */
  private async topicEnds(): ReturnType<Admin['fetchTopicOffsets']> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          return await admin.fetchTopicOffsets(this.topic);
        } catch (error) {
          if (!(error as { retriable?: boolean }).retriable || attempt >= 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    } finally {
      await admin.disconnect();
    }
  }

  get(key: string): T | undefined {
    return this.rows.get(key);
  }

  values(): T[] {
    return [...this.rows.values()];
  }

  /** Called with every change (a deletion passes `undefined`), from this process's writes and the topic alike. */
  onChange(listener: Listener<T>): void {
    this.listeners.push(listener);
  }

  /** Writes the value (or deletes the key with `null`) and applies it here once the broker has it. */
  async put(key: string, value: T | null): Promise<void> {
    await this.producer.send({ topic: this.topic, acks: -1, messages: [{ key, value: value === null ? null : JSON.stringify(value) }] });
    this.apply(key, value ?? undefined);
  }

  async close(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    if (!consumer) return;
    await consumer.disconnect();
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([this.groupId]);
    } catch {
      // A group that never committed expires on its own; deleting it only keeps listings clean.
    } finally {
      await admin.disconnect();
    }
  }

  private apply(key: string, value: T | undefined): void {
    if (this.deleted.has(key)) return;
    const current = this.rows.get(key);
    if (value === undefined) {
      this.deleted.add(key);
      this.rows.delete(key);
    } else if (current === undefined || this.options.isNewer(value, current)) {
      this.rows.set(key, value);
    } else return;
    for (const listener of this.listeners) {
      try {
        listener(key, value);
      } catch (error) {
        this.logger.error(`a listener failed on ${key}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
