import { WorkerPool } from '@audit/threads';
import { join } from 'node:path';
import type { StoredLink } from './event-chain';
// Naming the worker's module here also makes every build that compiles this file emit it.
import type { LinkHashJobs } from './link-hash.worker';
import { recomputeLinkHashes, type LinkHasher } from './link.hasher';

/**
 * Recomputes link hashes on worker threads, so a verification of a million links (canonical JSON
 * and SHA-256 per link, seconds of CPU) never holds the event loop that answers health checks and
 * other tenants' reads. A batch goes to the thread with the fewest batches waiting; the number of
 * threads bounds the CPU all verifications together take, and a batch waits its turn.
 *
 * Without the compiled worker file (the sources run under ts-jest), or once every thread died,
 * the same function runs on the calling thread: the hashes are the same either way.
 */
export class LinkHashPool implements LinkHasher {
  private readonly pool: WorkerPool<LinkHashJobs>;

  constructor(threads: number, onThreadLost: (error: Error) => void = () => undefined) {
    this.pool = new WorkerPool<LinkHashJobs>({
      file: join(__dirname, 'link-hash.worker.js'),
      threads,
      local: recomputeLinkHashes,
      failed: 'hashing links failed',
      thread: 'a link hashing thread',
      onThreadLost,
    });
  }

  /** Whether batches go to worker threads (false: they are hashed on the calling thread). */
  get threaded(): boolean {
    return this.pool.threaded;
  }

  hash(links: StoredLink[]): Promise<string[]> {
    return this.pool.run(links);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
