import type { KafkaMessage } from 'kafkajs';
import type { RecordedRange } from './offset-range';

export interface FlushThresholds {
  rows: number;
  bytes: number;
  ageMs: number;
}

/** Messages taken out of a buffer to be inserted as one block. */
export interface TakenBlock extends Required<RecordedRange> {
  messages: KafkaMessage[];
  bytes: number;
  /** True when the block is the recorded pending range being replayed (its metadata is already committed). */
  replay: boolean;
}

export function messageBytes(message: KafkaMessage): number {
  return (message.value?.length ?? 0) + (message.key?.length ?? 0);
}

/**
 * The unflushed messages of one partition, in offset order. While a recorded pending range is
 * being replayed, the next block is exactly that range whatever the thresholds say. Messages below
 * the committed offset it starts from are stored already and skipped, wherever kafkajs fetches from.
 */
export class PartitionBuffer {
  private messages: KafkaMessage[] = [];
  private since = 0;
  private expected?: bigint;
  bytes = 0;

  constructor(
    private replay?: RecordedRange,
    committed?: string,
  ) {
    if (committed !== undefined) this.expected = BigInt(committed);
  }

  get length(): number {
    return this.messages.length;
  }

  /** True while the pending range is not yet fully buffered: the partition must keep fetching. */
  get awaitingReplay(): boolean {
    return this.replay !== undefined && !this.replayComplete();
  }

  /** Appends a fetched batch; offsets already buffered (a re-fetch) or committed are skipped. Returns the bytes added. */
  append(messages: KafkaMessage[], now: number): number {
    let added = 0;
    for (const message of messages) {
      const offset = BigInt(message.offset);
      if (this.expected !== undefined && offset < this.expected) continue;
      if (this.messages.length === 0) this.since = now;
      this.messages.push(message);
      this.expected = offset + 1n;
      added += messageBytes(message);
    }
    this.bytes += added;
    return added;
  }

  due(thresholds: FlushThresholds, now: number): boolean {
    if (this.messages.length === 0) return false;
    if (this.replay) return this.replayComplete();
    return this.messages.length >= thresholds.rows || this.bytes >= thresholds.bytes || now - this.since >= thresholds.ageMs;
  }

  /** Takes the next block: the pending range once complete, else everything buffered. */
  take(now: number): TakenBlock | undefined {
    if (this.messages.length === 0) return undefined;
    let count = this.messages.length;
    const replay = this.replay;
    if (this.replay) {
      if (!this.replayComplete()) return undefined;
      const last = BigInt(this.replay.last);
      count = this.messages.findIndex((message) => BigInt(message.offset) > last);
      if (count === -1) count = this.messages.length;
      this.replay = undefined;
    }
    const messages = this.messages.slice(0, count);
    this.messages = this.messages.slice(count);
    const bytes = messages.reduce((sum, message) => sum + messageBytes(message), 0);
    this.bytes -= bytes;
    this.since = now;
    // A replayed block keeps the recorded bounds and clock, so its token and its bytes are the ones
    // of the attempt before the crash; a fresh block's clock is the time it is taken.
    const range = replay ?? { first: messages[0].offset, last: messages[messages.length - 1].offset };
    return { first: range.first, last: range.last, clock: replay?.clock ?? now, messages, bytes, replay: replay !== undefined };
  }

  private replayComplete(): boolean {
    const lastBuffered = this.messages[this.messages.length - 1];
    return lastBuffered !== undefined && this.replay !== undefined && BigInt(lastBuffered.offset) >= BigInt(this.replay.last);
  }
}
