/** How a read was answered; counted per endpoint in `audit_query_cache_reads_total`. */
export type ReadCacheOutcome =
  /** Stored less than `freshMs` ago. */
  | 'fresh'
  /** Stored earlier, and its refresh did not answer within `refreshWaitMs`: the stored answer went out. */
  | 'stale'
  /** Joined the same read already running for another request. */
  | 'coalesced'
  /** Ran the read itself (nothing stored, too old, or the cache is off). */
  | 'miss';

export interface ReadCacheOptions {
  /** An answer younger than this is served from memory; 0 turns the cache and coalescing off. */
  freshMs: number;
  /**
   * How long past `freshMs` an answer may still be served while its refresh runs longer than
   * `refreshWaitMs` (the engine is saturated). Beyond it a request waits for the engine.
   */
  staleMs: number;
  /** How long a request with a stale answer at hand waits for the refresh before taking the stale one. */
  refreshWaitMs: number;
  /** Bound on the estimated bytes of all stored answers; the oldest go first. */
  maxBytes: number;
  /**
   * Refreshes of older answers running at once. Beyond it a request takes the older answer at once
   * and starts none: under saturation the engine refreshes one answer after another instead of
   * taking the CPU the requests need. Reads with nothing stored always run. Default 1.
   */
  maxRefreshes?: number;
  now?: () => number;
  onRead?: (outcome: ReadCacheOutcome) => void;
}

interface Stored<T> {
  value: T;
  bytes: number;
  storedAt: number;
}

/** One read running for one or more requests. */
interface Flight<T> {
  promise: Promise<T>;
  abort: AbortController;
  /** Requests still waiting whose clients are still there. */
  waiters: number;
  /** Someone took a stale answer instead: finish anyway, the result refreshes the store. */
  detached: boolean;
}

/**
 * A short-lived store of read answers with request coalescing, for the reads an Auditing page
 * repeats: the same first page and facets, asked by every admin of an organization who opens or
 * refreshes the page. The embedded engine runs one such query at a time (~10–20 ms of CPU), so
 * without it 200 connections queue for seconds; with it a repeated read costs a map lookup and the
 * engine runs each distinct read at most once per `freshMs`.
 *
 * Keys must hold everything that makes an answer: the caller puts the tenant scope and every
 * filter in (see AuditLogsService), so an answer can only go to a request that would have read
 * the very same rows. An answer is at most `freshMs` old while the engine keeps up; when it does
 * not, at most `freshMs + staleMs`. A client that goes away cancels the engine's query once no
 * other request is waiting for it.
 */
export class ReadCache<T> {
  private readonly stored = new Map<string, Stored<T>>();
  private readonly flights = new Map<string, Flight<T>>();
  private storedBytes = 0;
  private refreshes = 0;
  private readonly now: () => number;

  constructor(
    private readonly options: ReadCacheOptions,
    private readonly sizeOf: (value: T) => number,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Entries and estimated bytes held (for tests and metrics). */
  get size(): { entries: number; bytes: number } {
    return { entries: this.stored.size, bytes: this.storedBytes };
  }

  /**
   * The answer for `key`: from memory when fresh enough, else from `load` — shared with every
   * request asking the same key meanwhile.
   */
  async read(key: string, load: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.options.freshMs <= 0) {
      this.count('miss');
      return load(signal ?? new AbortController().signal);
    }
    const stored = this.stored.get(key);
    const age = stored ? this.now() - stored.storedAt : Infinity;
    if (stored && age < this.options.freshMs) {
      this.count('fresh');
      return stored.value;
    }
    // A read every waiter left is being cancelled: a new request starts its own.
    const running = this.flights.get(key);
    const joinable = running && !running.abort.signal.aborted ? running : undefined;
    const usable = stored && age < this.options.freshMs + this.options.staleMs;
    if (usable && !joinable && this.refreshes >= (this.options.maxRefreshes ?? 1)) {
      this.count('stale');
      return stored.value;
    }
    const flight = joinable ?? this.start(key, load, usable === true);
    if (usable) {
      const answer = await this.within(flight, this.options.refreshWaitMs, signal);
      if (answer.done) {
        this.count(joinable ? 'coalesced' : 'miss');
        return answer.value;
      }
      flight.detached = true;
      this.count('stale');
      return stored.value;
    }
    this.count(joinable ? 'coalesced' : 'miss');
    return this.wait(flight, signal);
  }

  private start(key: string, load: (signal: AbortSignal) => Promise<T>, refresh: boolean): Flight<T> {
    const abort = new AbortController();
    if (refresh) this.refreshes++;
    const flight: Flight<T> = { abort, waiters: 0, detached: false, promise: undefined as unknown as Promise<T> };
    // The answer is as old as the moment the read began, not the moment it ended.
    const startedAt = this.now();
    flight.promise = (async () => {
      try {
        const value = await load(abort.signal);
        this.store(key, value, startedAt);
        return value;
      } finally {
        if (refresh) this.refreshes--;
        if (this.flights.get(key) === flight) this.flights.delete(key);
      }
    })();
    // A detached flight's failure has nobody to tell; the next request reads again.
    flight.promise.catch(() => undefined);
    this.flights.set(key, flight);
    return flight;
  }

  /** Waits for the flight; the last waiter to go (client gone) cancels the engine's query. */
  private async wait(flight: Flight<T>, signal?: AbortSignal): Promise<T> {
    flight.waiters++;
    const leave = () => {
      flight.waiters--;
      if (flight.waiters === 0 && !flight.detached) flight.abort.abort();
    };
    if (signal?.aborted) leave();
    else signal?.addEventListener('abort', leave, { once: true });
    try {
      return await flight.promise;
    } finally {
      signal?.removeEventListener('abort', leave);
    }
  }

  private async within(flight: Flight<T>, ms: number, signal?: AbortSignal): Promise<{ done: true; value: T } | { done: false }> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<{ done: false }>((resolve) => {
      timer = setTimeout(() => resolve({ done: false }), ms);
    });
    try {
      return await Promise.race([this.wait(flight, signal).then((value) => ({ done: true as const, value })), late]);
    } catch {
      // The refresh failed; the stored answer is still within its bound.
      return { done: false };
    } finally {
      clearTimeout(timer);
    }
  }

  private store(key: string, value: T, storedAt: number): void {
    const bytes = this.sizeOf(value);
    const previous = this.stored.get(key);
    if (previous) {
      this.stored.delete(key);
      this.storedBytes -= previous.bytes;
    }
    if (bytes > this.options.maxBytes) return;
    // Map order is insertion order and every entry lives as long: the first ones are the oldest.
    const now = this.now();
    for (const [oldKey, old] of this.stored) {
      const expired = now - old.storedAt >= this.options.freshMs + this.options.staleMs;
      if (!expired && this.storedBytes + bytes <= this.options.maxBytes) break;
      this.stored.delete(oldKey);
      this.storedBytes -= old.bytes;
    }
    this.stored.set(key, { value, bytes, storedAt });
    this.storedBytes += bytes;
  }

  private count(outcome: ReadCacheOutcome): void {
    this.options.onRead?.(outcome);
  }
}
