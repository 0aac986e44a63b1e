import type { TailPosition } from '@audit/clickhouse';
import type { Response } from 'express';
import type { TailHorizonWatcher } from './tail-horizon.watcher';
import { writeTailStream } from './tail-stream.writer';
import type { TailRead, TailService } from './tail.service';

const HORIZON = new Map([[0, 3000]]);

/** A stream 2,500 events behind: pages of 1,000 until caught up; records the horizon each read was given. */
function behindByPages() {
  const given: Array<TailPosition | undefined> = [];
  const service = {
    cursor: (position: TailPosition) => JSON.stringify([...position]),
    read: async (_resolved: unknown, position: TailPosition, limit: number, horizon?: TailPosition): Promise<TailRead> => {
      given.push(horizon);
      const next = new Map([[0, Math.min(3000, (position.get(0) ?? 0) + limit)]]);
      return { steps: [], next, hasMore: (next.get(0) as number) < 3000, horizon: horizon ?? HORIZON };
    },
  };
  const abort = new AbortController();
  const watcher = { wait: async () => (abort.abort(), undefined) };
  const response = { status: () => response, setHeader: () => undefined, write: () => true, end: () => undefined, req: { method: 'GET' } };
  const limits = { heartbeatMs: 1000, stallTimeoutMs: 1000, maxDurationMs: 60_000, recordSources: async () => undefined };
  const run = () => writeTailStream(response as unknown as Response, service as unknown as TailService, watcher as unknown as TailHorizonWatcher, { scope: { organizationId: 'org_a' }, attributes: {}, fingerprint: 'f' }, new Map([[0, 500]]), limits, abort);
  return { given, run };
}

describe('writeTailStream', () => {
  it('should read a backlog up to the horizon it already knows (one query a page), then look at the newest once before waiting', async () => {
    const { given, run } = behindByPages();
    await run();
    // 500 → 1500 → 2500 → 3000 under the first read's horizon, then one read with a fresh horizon.
    expect(given).toEqual([undefined, HORIZON, HORIZON, undefined]);
  });
});
