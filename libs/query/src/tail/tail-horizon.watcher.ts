import type { AuditEventsTailRepository, TailPosition } from '@audit/clickhouse';
import { Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';

interface Waiter {
  position: TailPosition;
  resolve(horizon: Map<number, number> | undefined): void;
}

/** Some partition of `horizon` is ahead of `position`: rows may have been stored there. */
export function isAhead(horizon: TailPosition, position: TailPosition): boolean {
  for (const [partition, stop] of horizon) if (stop > (position.get(partition) ?? 0)) return true;
  return false;
}

/**
 * Wakes waiting streams when new rows are stored. One loop per process reads the newest fully
 * stored position every `pollMs` while at least one stream waits — one small query for all of
 * them, whatever their number — and wakes each stream whose position it has passed. A stream's
 * freshness is then the ingester's (publish → stored) plus at most `pollMs`.
 */
export class TailHorizonWatcher implements BeforeApplicationShutdown {
  private readonly logger = new Logger('TailHorizonWatcher');
  private readonly waiting = new Set<Waiter>();
  private polling = false;
  /** Aborted when the app shuts down: open streams end (their clients resume elsewhere), so the server can close. */
  private readonly closing = new AbortController();

  constructor(
    private readonly tail: Pick<AuditEventsTailRepository, 'horizon'>,
    private readonly pollMs: number,
  ) {}

  /** The newest horizon once it is ahead of `position`; undefined after `timeoutMs` or when `signal` aborts. */
  wait(position: TailPosition, timeoutMs: number, signal: AbortSignal): Promise<Map<number, number> | undefined> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        position,
        resolve: (horizon) => {
          this.waiting.delete(waiter);
          clearTimeout(timer);
          signal.removeEventListener('abort', gone);
          resolve(horizon);
        },
      };
      const gone = () => waiter.resolve(undefined);
      const timer = setTimeout(gone, timeoutMs);
      signal.addEventListener('abort', gone, { once: true });
      if (signal.aborted) return gone();
      this.waiting.add(waiter);
      if (!this.polling) void this.poll();
    });
  }

  /** A signal that aborts with `signal` or when the app shuts down. */
  untilShutdown(signal: AbortSignal): AbortSignal {
    return AbortSignal.any([signal, this.closing.signal]);
  }

  beforeApplicationShutdown(): void {
    this.closing.abort();
    for (const waiter of this.waiting) waiter.resolve(undefined);
  }

  private async poll(): Promise<void> {
    this.polling = true;
    try {
      while (this.waiting.size > 0 && !this.closing.signal.aborted) {
        try {
          const horizon = await this.tail.horizon();
          for (const waiter of this.waiting) if (isAhead(horizon, waiter.position)) waiter.resolve(horizon);
        } catch (error) {
          // Streams keep waiting (their heartbeats go on); the next round tries again.
          this.logger.warn(`reading the newest stored position failed: ${String(error)}`);
        }
        if (this.waiting.size > 0) await sleep(this.pollMs);
      }
    } finally {
      this.polling = false;
    }
  }
}
