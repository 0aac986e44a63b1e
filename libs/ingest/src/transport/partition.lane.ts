import type { PartitionBuffer } from './partition.buffer';

/** One assigned partition in one generation of the consumer: its buffer and the step in progress. */
export interface PartitionLane {
  partition: number;
  generation: number;
  ready: Promise<PartitionBuffer>;
  buffer?: PartitionBuffer;
  flushing?: Promise<void>;
  retrying: boolean;
  step?: string;
  lastError?: string;
  /** The offset after the last record fetched, events or not (control records and aborted ones are not handed over). */
  fetchedNext?: string;
  /** The offset this lane last committed past. */
  committedNext?: string;
}

/** The lane's generation has passed: its partition belongs to the next owner, and nothing of it may be committed. */
export class Revoked extends Error {}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Exponential backoff from `initialMs`, at most `maxMs`. */
export const backoffMs = (attempt: number, initialMs: number, maxMs: number) => Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20));

/** An error as the text of a log line or a lane's lastError. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'message' in error) return String((error as { message: unknown }).message);
  return String(error);
}
