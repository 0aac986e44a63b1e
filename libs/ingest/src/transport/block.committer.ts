import type { Logger } from '@nestjs/common';
import type { Admin, Consumer } from 'kafkajs';
import type { KafkaBatchTransportOptions, PartitionBatch } from './kafka-batch.transport';
import { deduplicationToken, nextOffset, pendingMetadata } from './offset-range';
import type { TakenBlock } from './partition.buffer';
import { backoffMs, errorText, Revoked, sleep, type PartitionLane } from './partition.lane';

/** What the committer needs of the transport that owns it. */
export interface CommitterHost {
  /** The consumer's generation now: a lane of an earlier one no longer owns its partition. */
  generation(): number;
  consumer(): Consumer;
  admin(): Admin;
  readonly logger: Logger;
  /** Hands a block to the ingest handler; resolves once the handler has stored it. */
  invoke(batch: PartitionBatch): Promise<void>;
  /** A lane started or stopped retrying: which partitions are paused changes. */
  retryingChanged(): void;
}

/**
 * The flush → commit step of one block, each part retried with backoff (the partition paused)
 * until it succeeds or the lane is revoked: the block's offset range is recorded in the commit
 * metadata (at the unchanged committed offset) before the handler runs, and offsets move past the
 * block only after the handler resolved. A commit counts only once the broker has it.
 */
export class BlockCommitter {
  readonly counters = { flushes: 0, retries: 0, committedMessages: 0 };
  /** Commits kafkajs has not answered yet, by partition: the next generation's lanes wait for them. */
  private readonly commitsInFlight = new Map<number, Set<Promise<void>>>();

  constructor(
    private readonly host: CommitterHost,
    private readonly options: KafkaBatchTransportOptions,
  ) {}

  /** The partition's commits kafkajs has not settled yet. */
  inFlight(partition: number): Promise<void>[] {
    return [...(this.commitsInFlight.get(partition) ?? [])];
  }

  async flush(lane: PartitionLane, block: TakenBlock): Promise<void> {
    const { topic } = this.options;
    const batch: PartitionBatch = {
      topic,
      partition: lane.partition,
      first: block.first,
      last: block.last,
      deduplicationToken: deduplicationToken(topic, lane.partition, block),
      clock: block.clock,
      messages: block.messages,
    };
    // Record the range before inserting: a crash after the insert landed replays this exact range.
    const range = `${block.first}-${block.last}`;
    if (!block.replay) await this.retrying(lane, `record pending range ${range}`, () => this.commit(lane, block.first, pendingMetadata(block)));
    await this.retrying(lane, `insert ${batch.deduplicationToken}`, () => this.host.invoke(batch));
    // Offsets move past the block only now that the handler has stored it.
    await this.retrying(lane, `commit ${range}`, () => this.commit(lane, nextOffset(block.last), null));
    this.counters.flushes += 1;
    this.counters.committedMessages += block.messages.length;
  }

  /** Moves the lane's offset past records no block holds (see the transport's `fetchedFiltered`). */
  commitFiltered(lane: PartitionLane, offset: string): Promise<void> {
    return this.retrying(lane, `commit past filtered records to ${offset}`, () => this.commit(lane, offset, null));
  }

  /** Retries `step` with exponential backoff, pausing the partition, until it succeeds or the lane is revoked. */
  private async retrying(lane: PartitionLane, what: string, step: () => Promise<void>): Promise<void> {
    lane.step = what;
    for (let attempt = 0; ; attempt++) {
      if (lane.generation !== this.host.generation()) throw new Revoked();
      try {
        await step();
        lane.step = undefined;
        if (lane.retrying) {
          lane.retrying = false;
          this.host.retryingChanged();
          this.host.logger.log(`partition ${lane.partition}: ${what} succeeded after ${attempt} retries; resuming`);
        }
        return;
      } catch (error) {
        if (error instanceof Revoked) throw error;
        this.counters.retries += 1;
        lane.lastError = `${what}: ${errorText(error)}`;
        if (!lane.retrying) {
          lane.retrying = true;
          this.host.retryingChanged();
        }
        const delay = backoffMs(attempt, this.options.retryInitialMs, this.options.retryMaxMs);
        this.host.logger.warn(`partition ${lane.partition}: ${what} failed (${errorText(error)}); retrying the same block in ${delay} ms`);
        await sleep(delay);
      }
    }
  }

  private async commit(lane: PartitionLane, offset: string, metadata: string | null): Promise<void> {
    // A lane of an older generation no longer owns its partition: it must not move its offsets.
    if (lane.generation !== this.host.generation()) throw new Revoked();
    const { topic, groupId } = this.options;
    await this.tracked(lane.partition, this.host.consumer().commitOffsets([{ topic, partition: lane.partition, offset, metadata }]));
    // kafkajs resolves commitOffsets without sending anything while its consumer is stopped (after a
    // crash, e.g. the broker went away, until it has re-joined). A pending range recorded that way
    // is not there for the replay, and the block is stored twice under two tokens (the
    // broker-restart fault run showed it): only the broker's own answer counts as the commit.
    const [committed] = await this.host.admin().fetchOffsets({ groupId, topics: [topic] });
    const entry = committed?.partitions.find((partition) => partition.partition === lane.partition);
    if (entry?.offset !== offset || (metadata !== null && entry.metadata !== metadata)) {
      throw new Error(`the broker does not have the commit of offset ${offset} (it has ${entry?.offset ?? 'none'}): the consumer is not running`);
    }
    if (metadata === null) lane.committedNext = offset;
  }

  /** Keeps `commit` among the partition's commits in flight until kafkajs settles it, whatever the outcome. */
  private async tracked(partition: number, commit: Promise<void>): Promise<void> {
    const inFlight = this.commitsInFlight.get(partition) ?? new Set<Promise<void>>();
    this.commitsInFlight.set(partition, inFlight);
    inFlight.add(commit);
    try {
      await commit;
    } finally {
      inFlight.delete(commit);
    }
  }
}
