import { Logger } from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import type { Destination } from '../destinations/destination';
import type { StreamDefinition, StreamState, StreamStatus } from '../definition/stream-definition';
import type { RecordFormatterPool } from '../projection/record-formatter.pool';
import { passesFilter } from '../projection/stream.filter';
import type { BackfillReader } from './backfill.reader';
import { DeliveryQueue } from './delivery.queue';
import type { RetryPolicy } from './retry.policy';
import { StreamRecordReader } from './stream-record.reader';
import { StreamConsumer } from './stream.consumer';
import { StreamPositioner } from './stream.positioner';
import { StreamSender } from './stream.sender';

export interface RunnerSettings {
  topic: string;
  groupId: string;
  maxEvents: number;
  coverageIntervalMs: number;
  failingAfterAttempts: number;
  bufferEvents: number;
  sessionTimeoutMs: number;
  retry: RetryPolicy;
}

/** Per-stream metrics (the supervisor binds them to the stream's id label). */
export interface RunnerMetrics {
  delivered(events: number, latenciesMs: number[]): void;
  failed(): void;
}

export interface RunnerDeps {
  kafka: Kafka;
  admin: Admin;
  destination: Destination;
  /** Threads that decode, filter and serialize records (absent: on this thread). */
  formatter?: RecordFormatterPool;
  /** ClickHouse, for positions the topic no longer holds (absent: such a position fails, loudly). */
  backfill?: BackfillReader;
  /** The last status the delivery published for this stream: counts continue from it, and it says which position was applied. */
  previous?: StreamStatus;
  /** Persists the status now (after the position is applied, before reading the topic). */
  persist(status: StreamStatus): Promise<void>;
  metrics?: RunnerMetrics;
}

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => (signal.aborted ? resolve() : setTimeout(resolve, ms).unref?.()));

/**
 * One stream's delivery: moves its consumer group to the stream's position when that position is
 * new (by time on the projection topic, or a backfill from ClickHouse then the topic from the
 * recorded seam), then consumes the projection topic in the stream's own consumer group, reads
 * each record into delivery items ({@link StreamRecordReader}) and hands them to a
 * {@link StreamSender}, which commits only what the destination acknowledged. A slow or failing
 * destination fills this stream's queue and pauses this stream's reading, nothing else.
 */
export class StreamRunner {
  private readonly logger: Logger;
  private readonly abort = new AbortController();
  private readonly queue: DeliveryQueue;
  private readonly reader: StreamRecordReader;
  private readonly sender: StreamSender;
  private readonly consumer: StreamConsumer;
  private running?: Promise<void>;
  private state: StreamState = 'starting';
  private readonly counts: Pick<StreamStatus, 'delivered' | 'batches' | 'failedAttempts' | 'lastError' | 'lastDeliveredAt' | 'appliedPosition' | 'backfill'>;

  constructor(
    readonly definition: StreamDefinition,
    private readonly settings: RunnerSettings,
    private readonly deps: RunnerDeps,
  ) {
    this.logger = new Logger(`StreamRunner(${definition.id})`);
    const previous = deps.previous;
    this.counts = {
      delivered: previous?.delivered ?? 0,
      batches: previous?.batches ?? 0,
      failedAttempts: previous?.failedAttempts ?? 0,
      lastError: previous?.lastError,
      lastDeliveredAt: previous?.lastDeliveredAt,
      appliedPosition: previous?.appliedPosition,
      backfill: previous?.backfill,
    };
    this.queue = new DeliveryQueue(settings.bufferEvents);
    this.reader = new StreamRecordReader(definition, { formatter: deps.formatter, serialize: deps.destination.splicesFormatted });
    this.sender = new StreamSender(
      { streamId: definition.id, format: definition.format, maxEvents: settings.maxEvents, coverageIntervalMs: settings.coverageIntervalMs, failingAfterAttempts: settings.failingAfterAttempts },
      this.queue,
      deps.destination,
      settings.retry,
      {
        delivered: (events, checkpoints, latencies) => {
          this.counts.delivered += events;
          this.counts.batches += 1;
          this.counts.lastDeliveredAt = new Date().toISOString();
          if (this.counts.backfill && !this.counts.backfill.done) this.counts.backfill.delivered += events;
          if (this.state === 'failing') this.state = this.counts.backfill && !this.counts.backfill.done ? 'backfilling' : 'active';
          deps.metrics?.delivered(events + checkpoints, latencies);
        },
        failed: (error, failing) => {
          this.counts.failedAttempts += 1;
          this.counts.lastError = { at: new Date().toISOString(), message: error.message, ...('details' in error && { statusCode: (error as { details: { statusCode?: number } }).details.statusCode }) };
          if (failing) this.state = 'failing';
          deps.metrics?.failed();
        },
        commit: (points) => this.consumer.commit(points),
      },
      previous?.batches ?? 0,
    );
    this.consumer = new StreamConsumer(deps.kafka, deps.admin, settings, this.reader, this.queue, this.logger);
  }

  start(): void {
    this.running ??= Promise.all([this.sender.run(this.abort.signal), this.consume()]).then(() => undefined);
  }

  /** Stops reading and sending; what was read and not acknowledged is read again by the next run. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running?.catch(() => undefined);
    await this.sender.settle();
    await this.consumer.disconnect();
    await this.deps.destination.close();
  }

  status(): StreamStatus {
    const { records, events, duplicatesDropped, gaps } = this.reader.counts;
    const previous = this.deps.previous;
    return {
      streamId: this.definition.id,
      state: this.state,
      ...this.counts,
      duplicatesDropped: (previous?.duplicatesDropped ?? 0) + duplicatesDropped,
      gaps: (previous?.gaps ?? 0) + gaps,
      eventsPerRecord: records > 0 ? events / records : (previous?.eventsPerRecord ?? 1),
      updatedAt: new Date().toISOString(),
    };
  }

  /**
   * The stream's lag, given the projection records its group has not committed: events estimated
   * from the share of those records that are its organizations' and their mean size; seconds from
   * the oldest event read and not delivered (during a backfill, since the position's time).
   */
  lag(uncommittedRecords: number, now = Date.now()): NonNullable<StreamStatus['lag']> {
    const { seen, records, events } = this.reader.counts;
    const share = seen > 0 ? records / seen : 1;
    const perRecord = records > 0 ? events / records : (this.deps.previous?.eventsPerRecord ?? 1);
    const held = this.queue.head().find((item) => item.events.length > 0 || item.checkpoint);
    const since = this.state === 'backfilling' ? Date.parse(this.definition.position.from) : held?.source ? held.storedAt : undefined;
    return {
      records: uncommittedRecords,
      events: Math.max(this.queue.heldEvents, Math.round(uncommittedRecords * share * perRecord)),
      seconds: since === undefined ? 0 : Math.max(0, (now - since) / 1000),
    };
  }

  private async consume(): Promise<void> {
    const signal = this.abort.signal;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        if (this.counts.appliedPosition !== this.definition.position.id) await this.applyPosition(signal);
        break;
      } catch (error) {
        if (signal.aborted) return;
        this.state = 'failing';
        this.counts.lastError = { at: new Date().toISOString(), message: `moving to the stream's position: ${(error as Error).message}` };
        this.logger.warn(this.counts.lastError.message);
        await sleep(this.settings.retry.delay(attempt), signal);
      }
    }
    if (signal.aborted) return;
    if (this.state !== 'failing') this.state = 'active';
    await this.consumer.run(signal);
  }

  private async applyPosition(signal: AbortSignal): Promise<void> {
    const { position } = this.definition;
    const positioner = new StreamPositioner(this.deps.admin, this.settings.topic);
    const plan = await positioner.plan(position);
    if (plan.via === 'topic') {
      await positioner.moveGroup(this.settings.groupId, plan.offsets, signal);
    } else {
      const backfill = this.deps.backfill;
      if (!backfill) throw new Error(`the projection topic no longer holds everything since ${position.from} and this process has no ClickHouse access for a backfill`);
      this.state = 'backfilling';
      this.counts.backfill = { delivered: 0, done: false };
      // Heads are read only now, after the topic's ends were recorded (see StreamPositioner).
      const heads = await backfill.heads(this.definition);
      for await (const run of backfill.runs(this.definition, position.from, heads, signal)) {
        const events = run.events.filter((stored) => passesFilter(this.definition.filter, stored.event));
        const now = Date.now();
        await this.queue.push({ organizationId: run.organizationId, coverage: { firstSeq: run.firstSeq, lastSeq: run.lastSeq }, events, bytes: events.length * 700, storedAt: now, readAt: now }, undefined, signal);
      }
      while (this.queue.length > 0 && !signal.aborted) await sleep(100, signal);
      if (signal.aborted) return;
      for (const [organizationId, seq] of heads) this.reader.gate.pass(organizationId, seq);
      await positioner.moveGroup(this.settings.groupId, plan.ends, signal);
      this.counts.backfill.done = true;
    }
    this.counts.appliedPosition = position.id;
    await this.deps.persist(this.status());
    this.logger.log(`moved to position ${position.id} (${position.kind} ${position.from}) via ${plan.via}`);
  }
}
