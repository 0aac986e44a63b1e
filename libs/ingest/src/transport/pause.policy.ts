/** What the pause policy needs to know of a partition's lane. */
export interface LaneState {
  /** Its block is being retried. */
  retrying: boolean;
  /** It is still gathering the recorded range it must replay first (undefined: no buffer yet). */
  awaitingReplay?: boolean;
}

/**
 * Which partitions the consumer should not fetch: a partition whose block is being retried, and
 * every partition while the buffers are full — from `maxBufferedBytes` until they fall below three
 * quarters of it — except one still gathering its replay range (pausing it would stop the flush
 * that frees the memory).
 */
export class PausePolicy {
  private memoryFull = false;

  constructor(private readonly maxBufferedBytes: number) {}

  /** A new generation starts with empty buffers. */
  reset(): void {
    this.memoryFull = false;
  }

  wanted(assigned: readonly number[], bufferedBytes: number, lane: (partition: number) => LaneState | undefined): Set<number> {
    if (bufferedBytes >= this.maxBufferedBytes) this.memoryFull = true;
    else if (bufferedBytes < this.maxBufferedBytes * 0.75) this.memoryFull = false;
    return new Set(
      assigned.filter((partition) => {
        const state = lane(partition);
        return state?.retrying || (this.memoryFull && !state?.awaitingReplay);
      }),
    );
  }
}
