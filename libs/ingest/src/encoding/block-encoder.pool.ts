import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { encodeBlock, type EncodedBlock, type EncodeRequest } from './block.encode';
// Naming the worker's module here also makes every build that compiles this file emit it.
import type { EncodeJob, EncodeReply } from './block-encoder.worker';

interface Pending {
  resolve: (block: EncodedBlock) => void;
  reject: (error: Error) => void;
}

interface EncoderThread {
  worker: Worker;
  pending: Map<number, Pending>;
}

/**
 * Encodes blocks ({@link encodeBlock}) on worker threads, so parsing, validating, chaining and
 * serializing (the ingest's hot path, ~15–20 µs per event) runs beside the main thread, which keeps
 * fetching from Kafka and handing blocks to ClickHouse. A block goes to the thread with the fewest
 * blocks waiting. Chains stay in order: an organization's events share a partition, and the
 * transport hands the ingester a partition's next block only after the previous one is stored, so
 * a block is always encoded from the heads its predecessor left.
 *
 * Without the compiled worker file (the sources run under ts-jest), with `threads` 0, or after a
 * thread died, the same function runs on the calling thread: the bytes are the same either way.
 */
export class BlockEncoder implements OnApplicationShutdown {
  private readonly logger = new Logger(BlockEncoder.name);
  private threads: EncoderThread[] = [];
  private nextId = 0;

  constructor(threads: number) {
    const file = join(__dirname, 'block-encoder.worker.js');
    if (!existsSync(file)) return;
    for (let index = 0; index < threads; index++) this.threads.push(this.start(file));
  }

  encode(request: EncodeRequest): Promise<EncodedBlock> {
    if (this.threads.length === 0) return Promise.resolve().then(() => encodeBlock(request));
    const thread = this.threads.reduce((least, candidate) => (candidate.pending.size < least.pending.size ? candidate : least));
    const id = this.nextId++;
    return new Promise<EncodedBlock>((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      const job: EncodeJob = { id, request };
      thread.worker.postMessage(job, [request.values.buffer as ArrayBuffer]);
    });
  }

  /** After the transport has flushed its last blocks (Nest closes microservices before this hook). */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    const threads = this.threads;
    this.threads = [];
    await Promise.all(threads.map(({ worker }) => worker.terminate()));
  }

  private start(file: string): EncoderThread {
    // The worker inherits the process's execArgv: the compiled apps' alias hook (-r scripts/register-paths.cjs).
    // Started otherwise, it fails to load, and the blocks are encoded on this thread (see stop).
    const thread: EncoderThread = { worker: new Worker(file), pending: new Map() };
    thread.worker.unref();
    thread.worker.on('message', ({ id, block, error }: EncodeReply) => {
      const pending = thread.pending.get(id);
      thread.pending.delete(id);
      if (block) pending?.resolve(block);
      else pending?.reject(new Error(`encoding the block failed: ${error}`));
    });
    thread.worker.once('error', (error) => this.stop(thread, error));
    thread.worker.once('exit', (code) => this.stop(thread, new Error(`an encoder thread exited (code ${code})`)));
    return thread;
  }

  /** A dead thread fails the blocks it held (the transport retries them); the others, or this thread, take the next. */
  private stop(thread: EncoderThread, error: Error): void {
    if (this.threads.includes(thread)) {
      this.threads = this.threads.filter((other) => other !== thread);
      this.logger.warn(`${error.message}; ${this.threads.length} encoder threads left`);
    }
    for (const { reject } of thread.pending.values()) reject(error);
    thread.pending.clear();
  }
}
