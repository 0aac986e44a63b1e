import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { StoredLink } from './event-chain';
// Naming the worker's module here also makes every build that compiles this file emit it.
import type { LinkHashJob, LinkHashReply } from './link-hash.worker';
import { recomputeLinkHashes, type LinkHasher } from './link.hasher';

interface HashThread {
  worker: Worker;
  pending: Map<number, { resolve: (hashes: string[]) => void; reject: (error: Error) => void }>;
}

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
  private threads: HashThread[] = [];
  private nextId = 0;

  constructor(threads: number, onThreadLost: (error: Error) => void = () => undefined) {
    const file = join(__dirname, 'link-hash.worker.js');
    if (!existsSync(file)) return;
    for (let index = 0; index < threads; index++) this.threads.push(this.start(file, onThreadLost));
  }

  /** Whether batches go to worker threads (false: they are hashed on the calling thread). */
  get threaded(): boolean {
    return this.threads.length > 0;
  }

  hash(links: StoredLink[]): Promise<string[]> {
    if (this.threads.length === 0) return Promise.resolve().then(() => recomputeLinkHashes(links));
    const thread = this.threads.reduce((least, candidate) => (candidate.pending.size < least.pending.size ? candidate : least));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      const job: LinkHashJob = { id, links };
      thread.worker.postMessage(job);
    });
  }

  async close(): Promise<void> {
    const threads = this.threads;
    this.threads = [];
    await Promise.all(threads.map(({ worker }) => worker.terminate()));
  }

  private start(file: string, onThreadLost: (error: Error) => void): HashThread {
    const thread: HashThread = { worker: new Worker(file), pending: new Map() };
    thread.worker.unref();
    thread.worker.on('message', ({ id, hashes, error }: LinkHashReply) => {
      const pending = thread.pending.get(id);
      thread.pending.delete(id);
      if (hashes) pending?.resolve(hashes);
      else pending?.reject(new Error(`hashing links failed: ${error}`));
    });
    const lost = (error: Error) => {
      if (!this.threads.includes(thread)) return;
      this.threads = this.threads.filter((other) => other !== thread);
      onThreadLost(error);
      for (const { reject } of thread.pending.values()) reject(error);
      thread.pending.clear();
    };
    thread.worker.once('error', lost);
    thread.worker.once('exit', (code) => lost(new Error(`a link hashing thread exited (code ${code})`)));
    return thread;
  }
}
