import { ReadCache, type ReadCacheOptions, type ReadCacheOutcome } from './read.cache';

/** A load the test settles by hand, recording the signal it was given. */
function deferredLoad<T>() {
  const calls: Array<{ signal: AbortSignal; resolve: (value: T) => void; reject: (error: Error) => void }> = [];
  const load = (signal: AbortSignal) =>
    new Promise<T>((resolve, reject) => {
      calls.push({ signal, resolve, reject });
      signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    });
  return { load, calls };
}

function cacheWith(options: Partial<ReadCacheOptions> = {}) {
  let clock = 1_000_000;
  const outcomes: ReadCacheOutcome[] = [];
  const cache = new ReadCache<string>(
    { freshMs: 1000, staleMs: 5000, refreshWaitMs: 20, maxBytes: 1000, now: () => clock, onRead: (outcome) => outcomes.push(outcome), ...options },
    (value) => value.length,
  );
  return { cache, outcomes, advance: (ms: number) => (clock += ms) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ReadCache', () => {
  it('answers a repeated read from memory while it is fresh, and reads again after', async () => {
    const { cache, outcomes, advance } = cacheWith();
    let loads = 0;
    const load = async () => `v${++loads}`;
    expect(await cache.read('k', load)).toBe('v1');
    advance(999);
    expect(await cache.read('k', load)).toBe('v1');
    advance(1 + 5000);
    expect(await cache.read('k', load)).toBe('v2');
    expect(outcomes).toEqual(['miss', 'fresh', 'miss']);
  });

  it('runs one read for identical requests arriving together, and none across keys', async () => {
    const { cache, outcomes } = cacheWith();
    const { load, calls } = deferredLoad<string>();
    const same = Array.from({ length: 10 }, () => cache.read('k', load));
    const other = cache.read('other', load);
    await tick();
    expect(calls).toHaveLength(2);
    calls[0].resolve('page');
    calls[1].resolve('other page');
    expect(await Promise.all(same)).toEqual(Array(10).fill('page'));
    expect(await other).toBe('other page');
    expect(outcomes.filter((o) => o === 'miss')).toHaveLength(2);
    expect(outcomes.filter((o) => o === 'coalesced')).toHaveLength(9);
  });

  it('takes the refreshed answer when the refresh is quick', async () => {
    const { cache, outcomes, advance } = cacheWith();
    await cache.read('k', async () => 'old');
    advance(1500);
    expect(await cache.read('k', async () => 'new')).toBe('new');
    expect(outcomes).toEqual(['miss', 'miss']);
  });

  it('serves the older answer when the refresh is slow, and stores the refresh when it lands', async () => {
    const { cache, outcomes, advance } = cacheWith();
    await cache.read('k', async () => 'old');
    advance(1500);
    const { load, calls } = deferredLoad<string>();
    const started = Date.now();
    expect(await cache.read('k', load)).toBe('old');
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    expect(outcomes.at(-1)).toBe('stale');
    calls[0].resolve('new');
    await tick();
    expect(await cache.read('k', load)).toBe('new');
    expect(outcomes.at(-1)).toBe('fresh');
    expect(calls).toHaveLength(1);
  });

  it('refreshes one older answer at a time: others go out at once without a refresh of their own', async () => {
    const { cache, outcomes, advance } = cacheWith();
    await cache.read('a', async () => 'old a');
    await cache.read('b', async () => 'old b');
    advance(1500);
    const { load, calls } = deferredLoad<string>();
    // The refresh of a outlasts the wait: its request takes the older answer; the refresh runs on.
    expect(await cache.read('a', load)).toBe('old a');
    const started = Date.now();
    expect(await cache.read('b', load)).toBe('old b');
    expect(Date.now() - started).toBeLessThan(15);
    expect(calls).toHaveLength(1);
    // Nothing stored: read at once whatever is refreshing.
    const fresh = cache.read('c', load);
    await tick();
    expect(calls).toHaveLength(2);
    calls[0].resolve('new a');
    calls[1].resolve('c');
    expect(await fresh).toBe('c');
    await tick();
    expect(await cache.read('a', load)).toBe('new a');
    expect(await cache.read('b', async () => 'new b')).toBe('new b');
    expect(outcomes.slice(2)).toEqual(['stale', 'stale', 'miss', 'fresh', 'miss']);
  });

  it('never serves an answer older than fresh + stale', async () => {
    const { cache, advance } = cacheWith();
    await cache.read('k', async () => 'old');
    advance(6000);
    const { load, calls } = deferredLoad<string>();
    const answer = cache.read('k', load);
    await new Promise((resolve) => setTimeout(resolve, 40));
    calls[0].resolve('new');
    expect(await answer).toBe('new');
  });

  it('cancels the engine query only when every waiting client has gone', async () => {
    const { cache } = cacheWith();
    const { load, calls } = deferredLoad<string>();
    const a = new AbortController();
    const b = new AbortController();
    const first = cache.read('k', load, a.signal);
    const second = cache.read('k', load, b.signal);
    await tick();
    a.abort();
    expect(calls[0].signal.aborted).toBe(false);
    b.abort();
    expect(calls[0].signal.aborted).toBe(true);
    await expect(first).rejects.toThrow('aborted');
    await expect(second).rejects.toThrow('aborted');
    // A request arriving after the cancellation runs its own read.
    const third = cache.read('k', load);
    await tick();
    expect(calls).toHaveLength(2);
    calls[1].resolve('page');
    expect(await third).toBe('page');
  });

  it('keeps a refresh running for the store when its only client took the older answer', async () => {
    const { cache, advance } = cacheWith();
    await cache.read('k', async () => 'old');
    advance(1500);
    const { load, calls } = deferredLoad<string>();
    const client = new AbortController();
    expect(await cache.read('k', load, client.signal)).toBe('old');
    client.abort();
    expect(calls[0].signal.aborted).toBe(false);
    calls[0].resolve('new');
    await tick();
    expect(await cache.read('k', load)).toBe('new');
  });

  it('stores nothing when the read fails, and the next request reads again', async () => {
    const { cache } = cacheWith();
    await expect(cache.read('k', async () => Promise.reject(new Error('engine down')))).rejects.toThrow('engine down');
    expect(cache.size.entries).toBe(0);
    expect(await cache.read('k', async () => 'page')).toBe('page');
  });

  it('keeps its memory bound, dropping the oldest answers first', async () => {
    const { cache, advance } = cacheWith({ maxBytes: 10 });
    await cache.read('a', async () => 'aaaa');
    advance(1);
    await cache.read('b', async () => 'bbbb');
    advance(1);
    await cache.read('c', async () => 'cccc');
    expect(cache.size).toEqual({ entries: 2, bytes: 8 });
    let loads = 0;
    await cache.read('a', async () => `a${++loads}`);
    expect(loads).toBe(1);
    await cache.read('huge', async () => 'x'.repeat(11));
    expect(cache.size.bytes).toBeLessThanOrEqual(10);
  });

  it('reads every time, without sharing, when turned off', async () => {
    const { cache, outcomes } = cacheWith({ freshMs: 0 });
    const { load, calls } = deferredLoad<string>();
    const reads = [cache.read('k', load), cache.read('k', load)];
    await tick();
    expect(calls).toHaveLength(2);
    calls.forEach((call, i) => call.resolve(`v${i}`));
    expect(await Promise.all(reads)).toEqual(['v0', 'v1']);
    expect(outcomes).toEqual(['miss', 'miss']);
  });
});
