import type { Logger } from '@nestjs/common';
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { CommitPoint } from './batch.assembler';
import type { DeliveryItem } from './delivery-item';
import type { DeliveryQueue } from './delivery.queue';
import type { RetryPolicy } from './retry.policy';
import type { StreamRecordReader } from './stream-record.reader';

export interface StreamConsumerSettings {
  topic: string;
  groupId: string;
  sessionTimeoutMs: number;
  retry: RetryPolicy;
}

/** Records read ahead of the one being queued (each up to ~256 KiB). */
const READ_AHEAD = 8;

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => (signal.aborted ? resolve() : setTimeout(resolve, ms).unref?.()));

/**
 * A stream's reading of the projection topic in its own consumer group: each record through the
 * stream's reader into its queue (waiting, with heartbeats, while the queue is full), offsets
 * resolved as read and committed only by the sender, after acknowledgements (`commit`). Started
 * again, after a backoff, when kafkajs gives up on a crashed consumer (after some errors it leaves
 * it stopped for good).
 */
export class StreamConsumer {
  private consumer?: Consumer;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly settings: StreamConsumerSettings,
    private readonly reader: StreamRecordReader,
    private readonly queue: DeliveryQueue,
    private readonly logger: Logger,
  ) {}

  async run(signal: AbortSignal, attempt = 0): Promise<void> {
    try {
      await this.resumeInsideRecords();
      const consumer = this.kafka.consumer({
        groupId: this.settings.groupId,
        sessionTimeout: this.settings.sessionTimeoutMs,
        heartbeatInterval: Math.min(3000, Math.floor(this.settings.sessionTimeoutMs / 3)),
        maxWaitTimeInMs: 100,
        maxBytesPerPartition: 1024 * 1024,
        allowAutoTopicCreation: false,
      });
      this.consumer = consumer;
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (payload.restart || signal.aborted) return;
        this.logger.warn(`the consumer stopped (${payload.error.message}); starting it again`);
        void this.restart(consumer, signal, attempt);
      });
      await consumer.connect();
      if (signal.aborted) return void (await consumer.disconnect());
      await consumer.subscribe({ topic: this.settings.topic, fromBeginning: true });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.receive(payload, signal) });
    } catch (error) {
      if (signal.aborted) return;
      this.logger.warn(`the consumer did not start (${(error as Error).message}); trying again`);
      await this.restart(this.consumer, signal, attempt);
    }
  }

  /** Commits positions (a record cut short carries the sequence reached as metadata `{"s":seq}`). */
  async commit(points: Map<number, CommitPoint>): Promise<void> {
    if (!this.consumer) return;
    await this.consumer.commitOffsets(
      [...points].map(([partition, { offset, seq }]) => ({ topic: this.settings.topic, partition, offset, metadata: seq === undefined ? null : JSON.stringify({ s: seq }) })),
    );
  }

  async disconnect(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
  }

  private async restart(consumer: Consumer | undefined, signal: AbortSignal, attempt: number): Promise<void> {
    await consumer?.disconnect().catch(() => undefined);
    await sleep(this.settings.retry.delay(attempt), signal);
    if (!signal.aborted) await this.run(signal, attempt + 1);
  }

  /**
   * Reads up to READ_AHEAD records ahead of the one being queued, so the formatter works on the
   * next records while this thread queues and sends, and queues them in read order. Every record
   * read is queued, even when the consumer stops meanwhile: the reader's gate has passed it, so
   * dropping it here would leave a gap in this stream's next run.
   */
  private async receive({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload, signal: AbortSignal): Promise<void> {
    const reading: Array<{ offset: string; item: Promise<DeliveryItem> | DeliveryItem }> = [];
    const queueOldest = async () => {
      const { offset, item } = reading.shift() as (typeof reading)[number];
      await this.queue.push(await item, heartbeat, signal);
      resolveOffset(offset);
    };
    let stopped = false;
    try {
      for (const message of batch.messages) {
        if ((stopped = !isRunning() || isStale() || signal.aborted)) break;
        reading.push({ offset: message.offset, item: this.reader.read(batch.partition, message) });
        if (reading.length >= READ_AHEAD) await queueOldest();
      }
      while (reading.length > 0) await queueOldest();
    } finally {
      // After a failure, the reads not queued must not surface as unhandled rejections.
      for (const { item } of reading) Promise.resolve(item).catch(() => undefined);
    }
    if (!stopped) await heartbeat();
  }

  /** Where an earlier run cut a record short, it continues after the sequence it reached. */
  private async resumeInsideRecords(): Promise<void> {
    const [offsets] = await this.admin.fetchOffsets({ groupId: this.settings.groupId, topics: [this.settings.topic] });
    for (const { partition, offset, metadata } of offsets?.partitions ?? []) {
      const seq = metadata ? (JSON.parse(metadata) as { s?: number }).s : undefined;
      if (seq !== undefined && BigInt(offset) >= 0n) this.reader.resumeInside(partition, offset, seq);
    }
  }
}
