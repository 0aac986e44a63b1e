import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import type { Admin, Consumer, ConsumerRunConfig, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { isObservable, lastValueFrom } from 'rxjs';
import { BlockCommitter } from './block.committer';
import { nextOffset, parsePendingMetadata, type OffsetRange, type RecordedRange } from './offset-range';
import { PartitionBuffer, type FlushThresholds } from './partition.buffer';
import { backoffMs, errorText, Revoked, sleep, type PartitionLane } from './partition.lane';
import { PausePolicy } from './pause.policy';

/** The pattern of the handler that receives each flushed block: `@EventPattern(INGEST_BATCH_PATTERN)`. */
export const INGEST_BATCH_PATTERN = 'audit.ingest.partition-batch';

/** One block of one partition, handed to the handler; the transport commits after it resolves. */
export interface PartitionBatch extends OffsetRange {
  topic: string;
  partition: number;
  /** Derived from topic, partition and offset range: the same range always carries the same token. */
  deduplicationToken: string;
  /**
   * Epoch ms the block's events are validated at (the contract's clock-skew rule): recorded with
   * the range, so a retry or a replay of the block has the outcome of its first attempt.
   */
  clock: number;
  messages: KafkaMessage[];
}

export interface KafkaBatchTransportOptions {
  topic: string;
  groupId: string;
  thresholds: FlushThresholds;
  maxBufferedBytes: number;
  retryInitialMs: number;
  retryMaxMs: number;
  sessionTimeoutMs: number;
  /** How long shutdown waits for in-flight blocks before leaving them to be replayed. */
  shutdownTimeoutMs?: number;
}

export interface KafkaBatchTransportStats {
  assigned: number[];
  paused: number[];
  bufferedBytes: number;
  /** High-water mark of buffered bytes since start: the memory bound under lag or outage. */
  peakBufferedBytes: number;
  flushes: number;
  retries: number;
  committedMessages: number;
}

/** What the transport is doing, partition by partition: for a test or an operator asking why nothing moves. */
export interface KafkaBatchTransportDiagnostics extends KafkaBatchTransportStats {
  generation: number;
  /** `running` from a group join until a crash; after one, whether kafkajs or the transport restarts it. */
  consumer: 'starting' | 'running' | 'restarting' | 'closing';
  /** The partitions kafkajs itself has paused (should equal `paused` while running). */
  pausedInConsumer: number[];
  lastCrash?: { at: string; error: string; restartedBy: 'kafkajs' | 'transport' };
  lanes: Array<{
    partition: number;
    generation: number;
    bufferedMessages: number;
    awaitingReplay: boolean;
    /** The step in progress and its block, e.g. `commit 1200-1799`. */
    step?: string;
    retrying: boolean;
    lastError?: string;
  }>;
}

const clamp = (value: number, min: number, max: number) => Math.round(Math.min(max, Math.max(min, value)));

/**
 * Kafka → handler in blocks, the Nest way (`app.connectMicroservice({ strategy })`).
 *
 * Why not the stock `Transport.KAFKA` server: it calls a handler once per message and resolves
 * and commits offsets per message, while ClickHouse wants a few large inserts (10k–100k rows,
 * about one per second) and exactly-once needs the commit tied to a whole block's insert. This
 * strategy consumes with kafkajs `eachBatch` (auto-commit off), buffers per partition, and calls
 * the `INGEST_BATCH_PATTERN` handler once per flushed block.
 *
 * Guarantees, per partition:
 * - a block's offset range is recorded in the commit metadata (at the unchanged committed offset)
 *   before the handler runs, and offsets move past the block only after the handler resolved;
 * - after a crash or rebalance the recorded range is replayed first, as one block with the same
 *   token, so an insert that landed before the crash is dropped by ClickHouse's deduplication;
 * - a failing handler is retried with the same block and exponential backoff, with the partition
 *   paused; buffered bytes stay under `maxBufferedBytes` (fetching pauses above it);
 * - on revocation (any rebalance) unflushed buffers are dropped without a commit; the owner in the
 *   new generation starts again from the committed offset;
 * - a lane reads the recorded range only once every commit sent for its partition by an earlier
 *   generation has settled, and never buffers a message below the committed offset it read (see
 *   `recordedState`).
 *
 * The flush → commit step of a block is {@link BlockCommitter}'s, which partitions stop fetching
 * {@link PausePolicy}'s; this class owns the consumer, the lanes and their generations.
 */
export class KafkaBatchTransport extends Server implements CustomTransportStrategy {
  protected override readonly logger = new Logger(KafkaBatchTransport.name);
  private consumer?: Consumer;
  private runConfig?: ConsumerRunConfig;
  /** True from a group join until the consumer crashes: only then does it fetch, pause and commit. */
  private consuming = false;
  private restarting = false;
  private crashes = 0;
  private lastCrash?: KafkaBatchTransportDiagnostics['lastCrash'];
  private admin?: Admin;
  private generation = 0;
  private lanes = new Map<number, PartitionLane>();
  private assigned: number[] = [];
  private paused = new Set<number>();
  private bufferedBytes = 0;
  private peakBufferedBytes = 0;
  private timer?: NodeJS.Timeout;
  private closing?: Promise<void>;
  private readonly pausePolicy: PausePolicy;
  private readonly committer: BlockCommitter;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: KafkaBatchTransportOptions,
  ) {
    super();
    this.pausePolicy = new PausePolicy(options.maxBufferedBytes);
    this.committer = new BlockCommitter(
      {
        generation: () => this.generation,
        consumer: () => this.consumer!,
        admin: () => this.admin!,
        logger: this.logger,
        invoke: (batch) => this.invoke(batch),
        retryingChanged: () => this.refreshPause(),
      },
      options,
    );
  }

  listen(callback: (error?: unknown) => void): void {
    this.start().then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  on(): never {
    throw new Error('KafkaBatchTransport emits no events');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }

  /** In a consumer group with an assignment, and not shutting down. */
  isReady(): boolean {
    return this.consuming && this.closing === undefined;
  }

  stats(): KafkaBatchTransportStats {
    return { assigned: [...this.assigned], paused: [...this.paused], bufferedBytes: this.bufferedBytes, peakBufferedBytes: this.peakBufferedBytes, ...this.committer.counters };
  }

  diagnostics(): KafkaBatchTransportDiagnostics {
    const { topic } = this.options;
    return {
      ...this.stats(),
      generation: this.generation,
      consumer: this.closing ? 'closing' : this.consuming ? 'running' : this.generation === 0 ? 'starting' : 'restarting',
      pausedInConsumer: (this.consumer?.paused() ?? []).filter((entry) => entry.topic === topic).flatMap((entry) => entry.partitions),
      lastCrash: this.lastCrash,
      lanes: [...this.lanes.values()].map((lane) => ({
        partition: lane.partition,
        generation: lane.generation,
        bufferedMessages: lane.buffer?.length ?? 0,
        awaitingReplay: lane.buffer?.awaitingReplay ?? true,
        step: lane.step,
        retrying: lane.retrying,
        lastError: lane.lastError,
      })),
    };
  }

  private async start(): Promise<void> {
    const { topic, groupId, sessionTimeoutMs } = this.options;
    this.admin = this.kafka.admin();
    await this.admin.connect();
    const consumer = this.kafka.consumer({
      groupId,
      sessionTimeout: sessionTimeoutMs,
      heartbeatInterval: Math.min(3000, Math.floor(sessionTimeoutMs / 3)),
      rebalanceTimeout: Math.max(sessionTimeoutMs, 10_000),
      allowAutoTopicCreation: false,
      // One fetch is the most the buffers can overshoot their cap by, so it is sized from the cap.
      maxBytes: clamp(this.options.maxBufferedBytes / 8, 64 * 1024, 16 * 1024 * 1024),
      maxBytesPerPartition: clamp(this.options.maxBufferedBytes / 32, 16 * 1024, 4 * 1024 * 1024),
      // An idle long poll also bounds how long shutdown waits for the fetch loop to stop.
      maxWaitTimeInMs: 1000,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => this.onAssignment(payload.memberAssignment[topic] ?? []));
    consumer.on(consumer.events.CRASH, ({ payload }) => this.onCrash(payload.error, payload.restart));
    // kafkajs hands no batch over when every record it fetched was filtered out (transaction markers, aborted records).
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize === 0 && payload.topic === topic) void this.fetchedFiltered(payload.partition, payload.lastOffset);
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    this.runConfig = { autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.receive(payload) };
    await consumer.run(this.runConfig);
    this.timer = setInterval(() => this.lanes.forEach((lane) => this.schedule(lane, false)), Math.min(100, this.options.thresholds.ageMs));
    this.timer.unref();
    this.logger.log(`consuming ${topic} in blocks as group ${groupId}`);
  }

  /**
   * Every join starts a new generation: kafkajs fetches each assigned partition again from its
   * committed offset, so every unflushed buffer is dropped (no commit) and lanes start afresh.
   */
  private onAssignment(partitions: number[]): void {
    this.consuming = true;
    this.generation += 1;
    this.lanes.clear();
    this.assigned = [...partitions].sort((a, b) => a - b);
    this.bufferedBytes = 0;
    this.pausePolicy.reset();
    this.refreshPause();
    this.logger.log(`generation ${this.generation}: assigned partitions [${this.assigned.join(', ')}]`);
  }

  /**
   * A crashed kafkajs consumer has left its group and dropped its state (paused partitions
   * included); nothing it commits counts until the next join, which starts a new generation.
   * kafkajs restarts it only after an error it deems retriable. Others leave it stopped for good —
   * `KafkaJSGroupCoordinatorNotFound` when the coordinator lookup reaches a broker that is shutting
   * down, for one — and then no partition is fetched or committed again (a broker-restart fault run
   * stalled that way): the transport restarts it itself, with backoff, until it runs or closes.
   */
  private onCrash(error: Error, restartedByKafkajs: boolean): void {
    this.consuming = false;
    this.paused.clear();
    this.crashes += 1;
    this.lastCrash = { at: new Date().toISOString(), error: `${error.name}: ${error.message}`, restartedBy: restartedByKafkajs ? 'kafkajs' : 'transport' };
    if (restartedByKafkajs || this.closing || this.restarting) return;
    this.logger.warn(`the consumer crashed and kafkajs does not restart it (${error.name}: ${error.message}); restarting it`);
    this.restarting = true;
    void this.restartConsumer().finally(() => (this.restarting = false));
  }

  private async restartConsumer(): Promise<void> {
    for (let attempt = 0; this.closing === undefined; attempt++) {
      await sleep(backoffMs(attempt, this.options.retryInitialMs, this.options.retryMaxMs));
      if (this.closing) return;
      const crashes = this.crashes;
      try {
        await this.consumer!.connect();
        if (this.closing) return await this.consumer!.disconnect();
        await this.consumer!.run(this.runConfig);
      } catch (error) {
        this.logger.warn(`restarting the consumer failed (${errorText(error)}); trying again`);
        continue;
      }
      // run() resolves even when its start failed: that failure came as a crash of its own, and
      // only one that kafkajs does not restart from is left to this loop.
      if (this.crashes === crashes || this.lastCrash?.restartedBy === 'kafkajs') return;
    }
  }

  private async receive({ batch, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> {
    // While closing, messages are left unresolved and uncommitted: the next owner reads them.
    if (this.closing || batch.messages.length === 0) return;
    const generation = this.generation;
    const lane = this.lane(batch.partition);
    const buffer = await lane.ready;
    if (generation !== this.generation || this.closing) return;
    const added = buffer.append(batch.messages, Date.now());
    lane.fetchedNext = nextOffset(batch.lastOffset());
    this.bufferedBytes += added;
    this.peakBufferedBytes = Math.max(this.peakBufferedBytes, this.bufferedBytes);
    resolveOffset(batch.lastOffset());
    this.schedule(lane, false);
    this.refreshPause();
    await heartbeat();
  }

  /**
   * Records fetched and filtered out by kafkajs: a transaction's commit or abort marker, aborted
   * records. No block holds them, so offsets move past them when the lane has nothing else to
   * commit; otherwise a partition that ends in a marker (every transactional producer's) stays one
   * message behind forever, and the lag reader waits for a message that never comes.
   */
  private async fetchedFiltered(partition: number, lastOffset: string): Promise<void> {
    const generation = this.generation;
    const lane = this.lane(partition);
    await lane.ready.catch(() => undefined);
    if (generation !== this.generation || this.closing || this.lanes.get(partition) !== lane) return;
    const next = nextOffset(lastOffset);
    if (lane.fetchedNext === undefined || BigInt(next) > BigInt(lane.fetchedNext)) lane.fetchedNext = next;
    this.schedule(lane, false);
  }

  /** A partition's lane, created on its first batch of a generation with the recorded pending range. */
  private lane(partition: number): PartitionLane {
    let lane = this.lanes.get(partition);
    if (!lane) {
      const created: PartitionLane = { partition, generation: this.generation, retrying: false, ready: Promise.resolve(new PartitionBuffer()) };
      created.ready = this.recordedState(partition).then(({ committed, pending }) => {
        if (pending) this.logger.log(`partition ${partition}: replaying recorded range ${pending.first}-${pending.last} first`);
        created.committedNext = committed;
        created.buffer = new PartitionBuffer(pending, committed);
        return created.buffer;
      });
      // A failed lookup must not wedge the partition: the next batch creates the lane again.
      created.ready.catch(() => this.lanes.get(partition) === created && this.lanes.delete(partition));
      this.lanes.set(partition, created);
      lane = created;
    }
    return lane;
  }

  /**
   * The partition's committed offset and recorded pending range, as the broker has them once every
   * commit an earlier generation sent for it has settled. kafkajs retries a failed commit for tens
   * of seconds, each attempt with the generation its consumer has *then*: a commit sent before a
   * re-join can reach the broker after it and is accepted. Read before it lands, the state would be
   * overwritten under the new lane — a pending range it never replays, or an offset moved back to
   * one it already stored past — and the next owner would insert the same offsets again under other
   * tokens (the broker-restart fault run stored 3,284 rows twice that way). Waiting also means
   * kafkajs may fetch from an offset older than the one read here: those messages are stored already
   * and the buffer skips them.
   */
  private async recordedState(partition: number): Promise<{ committed?: string; pending?: RecordedRange }> {
    const inFlight = this.committer.inFlight(partition);
    if (inFlight.length > 0) {
      this.logger.warn(`partition ${partition}: waiting for ${inFlight.length} commit(s) of an earlier generation that kafkajs still retries before reading the recorded range`);
      await Promise.allSettled(inFlight);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const [topicOffsets] = await this.admin!.fetchOffsets({ groupId: this.options.groupId, topics: [this.options.topic] });
        const entry = topicOffsets?.partitions.find((candidate) => candidate.partition === partition);
        if (!entry || BigInt(entry.offset) < 0n) return {};
        return { committed: entry.offset, pending: parsePendingMetadata(entry.metadata, entry.offset) };
      } catch (error) {
        // e.g. "the coordinator is loading" right after a broker start: wait rather than restart the consumer.
        if (attempt >= 10) throw error;
        await sleep(Math.min(this.options.retryMaxMs, this.options.retryInitialMs * attempt));
      }
    }
  }

  /** Starts a flush of the lane's next block if one is due (or `force`), one at a time per partition. */
  private schedule(lane: PartitionLane, force: boolean): void {
    const buffer = lane.buffer;
    if (!buffer || lane.flushing || this.lanes.get(lane.partition) !== lane) return;
    const now = Date.now();
    const block = force || buffer.due(this.options.thresholds, now) ? buffer.take(now) : undefined;
    const skip = block ? undefined : this.filteredTail(lane, buffer);
    if (!block && !skip) return;
    const work = block ? this.committer.flush(lane, block) : this.committer.commitFiltered(lane, skip!);
    lane.flushing = work
      .catch((error: unknown) => {
        if (!(error instanceof Revoked)) this.logger.error(`partition ${lane.partition}: ${(error as Error).message}`);
      })
      .finally(() => {
        if (lane.generation === this.generation) this.bufferedBytes -= block?.bytes ?? 0;
        lane.flushing = undefined;
        lane.retrying = false;
        this.refreshPause();
        if (this.closing === undefined || force) this.schedule(lane, force);
      });
  }

  /** The offset to commit past filtered records when the lane holds nothing else, if it is ahead of the last commit. */
  private filteredTail(lane: PartitionLane, buffer: PartitionBuffer): string | undefined {
    if (buffer.length > 0 || buffer.awaitingReplay || lane.fetchedNext === undefined) return undefined;
    return lane.committedNext === undefined || BigInt(lane.fetchedNext) > BigInt(lane.committedNext) ? lane.fetchedNext : undefined;
  }

  private async invoke(batch: PartitionBatch): Promise<void> {
    const handler = this.getHandlerByPattern(INGEST_BATCH_PATTERN);
    if (!handler) throw new Error(`no handler for ${INGEST_BATCH_PATTERN}`);
    const result: unknown = await handler(batch);
    if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
  }

  /**
   * Pauses a partition whose block is being retried, and every partition while the buffers are
   * full (resuming below three quarters of the cap) — except one still gathering its replay range.
   */
  private refreshPause(): void {
    if (!this.consumer || this.closing) return;
    const wanted = this.pausePolicy.wanted(this.assigned, this.bufferedBytes, (partition) => {
      const lane = this.lanes.get(partition);
      return lane && { retrying: lane.retrying, awaitingReplay: lane.buffer?.awaitingReplay };
    });
    const pause = [...wanted].filter((partition) => !this.paused.has(partition));
    const resume = [...this.paused].filter((partition) => !wanted.has(partition));
    try {
      if (pause.length > 0) this.consumer.pause([{ topic: this.options.topic, partitions: pause }]);
      if (resume.length > 0) this.consumer.resume([{ topic: this.options.topic, partitions: resume }]);
      this.paused = wanted;
    } catch (error) {
      // kafkajs throws while its consumer is stopped after a crash (until the restart): the new
      // consumer starts with nothing paused and the join that follows applies the wanted state.
      // Thrown on, it would abort the flush being retried and drop its block from the buffer.
      this.logger.warn(`partitions not paused or resumed: ${errorText(error)}`);
    }
  }

  /** Flushes and commits what is buffered, then leaves the group. Blocks still failing are left for replay. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.timer);
    try {
      if (this.consumer && this.assigned.length > 0) this.consumer.pause([{ topic: this.options.topic, partitions: this.assigned }]);
    } catch {
      // A consumer stopped by a crash has nothing to pause (kafkajs throws): it fetches nothing either.
    }
    const deadline = Date.now() + (this.options.shutdownTimeoutMs ?? 15_000);
    for (;;) {
      const lanes = [...this.lanes.values()];
      lanes.forEach((lane) => this.schedule(lane, true));
      const busy = lanes.map((lane) => lane.flushing).filter((flushing) => flushing !== undefined);
      if (busy.length === 0 || Date.now() > deadline) break;
      await Promise.race([Promise.all(busy), sleep(Math.max(0, deadline - Date.now()))]);
    }
    // Whatever is still in flight belongs to the next owner: bump the generation so it never commits.
    this.generation += 1;
    await this.consumer?.disconnect();
    await this.admin?.disconnect();
    this.logger.log('stopped: buffers flushed and committed');
  }
}
