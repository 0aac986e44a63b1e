import type { ClickHouseClient } from '@clickhouse/client';
import type { QueryLimitMetrics } from '@audit/observability';

/**
 * Lets at most `maxConcurrent` engine calls of the read side run at once; the others wait their
 * turn, first come first served, and leave the line when their client goes. The embedded engine
 * runs each query on one of Node's four libuv threads, which the ingestor's inserts (all-in-one)
 * and the health check share: without a bound, a tenant's exports and verifications could hold
 * them all. A server has its own limits; there the gate only bounds what one instance asks of it.
 */
export class EngineGate {
  private running = 0;
  private readonly waiting: Array<{ enter: () => void }> = [];

  constructor(
    private readonly maxConcurrent: number,
    private readonly metrics?: QueryLimitMetrics,
  ) {}

  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.enter(signal);
    try {
      return await work();
    } finally {
      this.leave();
    }
  }

  private enter(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.running < this.maxConcurrent) {
      this.running += 1;
      this.report();
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const turn = {
        enter: () => {
          signal?.removeEventListener('abort', gone);
          resolve();
        },
      };
      const gone = () => {
        this.waiting.splice(this.waiting.indexOf(turn), 1);
        this.report();
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', gone, { once: true });
      this.waiting.push(turn);
      this.report();
    });
  }

  /** The next in line takes the place (running stays the same), else a place frees. */
  private leave(): void {
    const next = this.waiting.shift();
    if (next) next.enter();
    else this.running -= 1;
    this.report();
  }

  private report(): void {
    this.metrics?.engineQueries.set({ state: 'running' }, this.running);
    this.metrics?.engineQueries.set({ state: 'waiting' }, this.waiting.length);
  }
}

/** The client with its reads (`query`, `exec`) through the gate; every other method as it is. */
export function gatedClient(client: ClickHouseClient, gate: EngineGate): ClickHouseClient {
  const query: ClickHouseClient['query'] = (params) => gate.run(() => client.query(params), params.abort_signal);
  const exec: ClickHouseClient['exec'] = (params) => gate.run(() => client.exec(params), params.abort_signal);
  return new Proxy(client, {
    get: (target, name) => {
      if (name === 'query') return query;
      if (name === 'exec') return exec;
      const value: unknown = Reflect.get(target, name);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
