import { AuditProducer } from '@audit/producer';
import { makeEvents } from '@audit/testing';

export interface TrafficOptions {
  brokers: string[];
  topic: string;
  /** Valid events to publish in all. */
  events: number;
  /** How long publishing should take at least (0: as fast as the producer goes). */
  durationMs: number;
  chunk?: number;
}

export interface Traffic {
  /** Events acknowledged by the broker so far. */
  produced(): number;
  /** Resolves with the number acknowledged once every event is. */
  done: Promise<number>;
  /**
   * Publishes no further chunk (the one under way completes) while `work` runs; the time held
   * does not count against the schedule.
   */
  holding<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * Publishes valid events the way a product service does (`AuditProducer`: idempotent, retried
 * until acknowledged), in chunks spread over `durationMs`, so faults strike while production goes
 * on. A chunk counts as produced only when every event in it is acknowledged.
 */
export function startTraffic({ brokers, topic, events, durationMs, chunk = 1000 }: TrafficOptions): Traffic {
  const producer = new AuditProducer({ brokers, topic, clientId: 'reliability-traffic', exitHooks: false });
  let produced = 0;
  let started = Date.now();
  let held: Promise<void> | undefined;
  const done = (async () => {
    try {
      while (produced < events) {
        if (held) {
          const since = Date.now();
          await held;
          started += Date.now() - since;
        }
        const size = Math.min(chunk, events - produced);
        await Promise.all(makeEvents(size).map((event) => producer.record(event)));
        produced += size;
        // Keeps to the schedule: sleeps only when ahead of it.
        const due = started + (durationMs * produced) / events;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      }
      return produced;
    } finally {
      await producer.close();
    }
  })();
  const holding = async <T>(work: () => Promise<T>): Promise<T> => {
    let release!: () => void;
    held = new Promise<void>((resolve) => (release = resolve));
    try {
      return await work();
    } finally {
      held = undefined;
      release();
    }
  };
  return { produced: () => produced, done, holding };
}
