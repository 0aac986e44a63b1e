import { Logger } from '@nestjs/common';
import type { Destination } from '../destinations/destination';
import { DeliveryError } from '../destinations/delivery.error';
import type { StreamFormat } from '../definition/stream-definition';
import { assembleBatch, type AssembledBatch, type CommitPoint } from './batch.assembler';
import type { DeliveryQueue } from './delivery.queue';
import type { RetryPolicy } from './retry.policy';

export interface SenderSettings {
  streamId: string;
  format: StreamFormat;
  maxEvents: number;
  coverageIntervalMs: number;
  failingAfterAttempts: number;
  /** How often positions of records with nothing to deliver are committed at most. */
  idleCommitMs?: number;
}

/** What the sender reports; the runner keeps the counts and the state. */
export interface SenderObserver {
  /** A batch the destination acknowledged: its events, and each record's time from publish to acknowledgement. */
  delivered(events: number, checkpoints: number, latenciesMs: number[]): void;
  /** An attempt failed; `failing` once `failingAfterAttempts` attempts in a row have. */
  failed(error: Error, failing: boolean): void;
  /** Persists positions on the projection topic (not called for backfill batches). */
  commit(points: Map<number, CommitPoint>): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });

/**
 * Sends a stream's queue to its destination, one batch at a time and in order: a batch is retried
 * (backoff with jitter, `Retry-After` honoured) until the destination acknowledges it — never
 * skipped — and only then are the positions it covers committed. A 413 halves the batch size for
 * the stream's life. A stretch the filter left out goes as a batch of ranges only, once it has
 * waited `coverageIntervalMs` (or with the next events), so receivers can account for it.
 */
export class StreamSender {
  private readonly logger: Logger;
  private maxEvents: number;
  private batchSeq: number;
  private pendingCommits = new Map<number, CommitPoint>();
  private lastCommitAt = 0;
  private committing?: Promise<void>;

  constructor(
    private readonly settings: SenderSettings,
    private readonly queue: DeliveryQueue,
    private readonly destination: Destination,
    private readonly retry: RetryPolicy,
    private readonly observer: SenderObserver,
    firstBatchSeq: number,
  ) {
    this.logger = new Logger(`StreamSender(${settings.streamId})`);
    this.maxEvents = Math.min(settings.maxEvents, destination.limits.maxItems);
    this.batchSeq = firstBatchSeq;
  }

  get nextBatchSeq(): number {
    return this.batchSeq;
  }

  /** Runs until `signal` aborts; a batch in flight then stays unacknowledged (it is sent again after a restart). */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (this.queue.length === 0) {
        this.scheduleCommit(true);
        await Promise.race([this.queue.waitForItems(1000), sleep(1000, signal)]);
        continue;
      }
      const batch = assembleBatch(this.queue.head(), { maxItems: this.maxEvents, maxBytes: this.destination.limits.maxBytes });
      const hasItems = batch.events.length > 0 || batch.checkpoints.length > 0;
      if (!hasItems && batch.oldestCoverageReadAt !== undefined) {
        // Only stretches the filter left out: they wait for events to carry them, or for their interval.
        const waited = Date.now() - batch.oldestCoverageReadAt;
        const nothingBehind = batch.taken === this.queue.length;
        if (waited < this.settings.coverageIntervalMs && nothingBehind) {
          const wait = this.settings.coverageIntervalMs - waited;
          await Promise.race([this.queue.waitForItems(wait), sleep(wait, signal)]);
          continue;
        }
      }
      if (hasItems || batch.ranges.length > 0) {
        const outcome = await this.deliver(batch, signal);
        if (outcome === 'stopped') return;
        if (outcome === 'smaller') continue;
      }
      this.queue.consume(batch.taken, batch.remainder);
      for (const [partition, point] of batch.commits) this.pendingCommits.set(partition, point);
      this.scheduleCommit(hasItems || batch.ranges.length > 0);
    }
  }

  /** Sends until acknowledged (`sent`); `stopped` when the stream stops first; `smaller` after a 413 (batches shrink, it is reassembled). */
  private async deliver(batch: AssembledBatch, signal: AbortSignal): Promise<'sent' | 'stopped' | 'smaller'> {
    const seq = this.batchSeq;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        await this.destination.send({ streamId: this.settings.streamId, batchSeq: seq, format: this.settings.format, ranges: batch.ranges, events: batch.events, checkpoints: batch.checkpoints });
        this.batchSeq += 1;
        const now = Date.now();
        this.observer.delivered(batch.events.length, batch.checkpoints.length, batch.storedAt.map((storedAt) => now - storedAt));
        return 'sent';
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        this.observer.failed(failure, attempt + 1 >= this.settings.failingAfterAttempts);
        const details = failure instanceof DeliveryError ? failure.details : {};
        if (details.tooLarge && batch.events.length > 1) {
          this.maxEvents = Math.max(1, Math.floor(batch.events.length / 2));
          this.logger.warn(`the destination refused a batch of ${batch.events.length} events as too large; batches now hold at most ${this.maxEvents}`);
          return 'smaller';
        }
        const delay = this.retry.delay(attempt, details.retryAfterMs);
        this.logger.warn(`batch ${seq} failed (${failure.message}); attempt ${attempt + 2} in ${delay} ms`);
        await sleep(delay, signal);
      }
    }
    return 'stopped';
  }

  /** Waits for the commit in flight (at stop, so the last acknowledged positions are not lost). */
  async settle(): Promise<void> {
    await this.committing;
    this.scheduleCommit(true);
    await this.committing;
  }

  /**
   * Commits what was passed, in the background and one commit at a time (positions that arrive
   * meanwhile go with the next): a send never waits for the broker's commit round trip. Positions of
   * records with nothing to deliver are committed at most once per `idleCommitMs`. A commit that
   * fails is retried with the next; a restart before it only delivers a few copies again.
   */
  private scheduleCommit(force: boolean): void {
    if (this.committing || this.pendingCommits.size === 0) return;
    if (!force && Date.now() - this.lastCommitAt < (this.settings.idleCommitMs ?? 1000)) return;
    const points = this.pendingCommits;
    this.pendingCommits = new Map();
    this.lastCommitAt = Date.now();
    this.committing = this.observer
      .commit(points)
      .catch((error: unknown) => {
        for (const [partition, point] of points) if (!this.pendingCommits.has(partition)) this.pendingCommits.set(partition, point);
        this.logger.warn(`positions not committed (${error instanceof Error ? error.message : String(error)}); retried with the next batch`);
      })
      .finally(() => (this.committing = undefined));
  }
}
