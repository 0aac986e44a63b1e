import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { WorkerPool } from '@audit/threads';
import { join } from 'node:path';
import { encodeBlock, type EncodedBlock, type EncodeRequest } from './block.encode';
// Naming the worker's module here also makes every build that compiles this file emit it.
import type { BlockEncoderJobs } from './block-encoder.worker';

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
  private readonly pool: WorkerPool<BlockEncoderJobs>;

  constructor(threads: number) {
    this.pool = new WorkerPool<BlockEncoderJobs>({
      file: join(__dirname, 'block-encoder.worker.js'),
      threads,
      local: encodeBlock,
      failed: 'encoding the block failed',
      thread: 'an encoder thread',
      // A dead thread fails the blocks it held (the transport retries them); the others, or this thread, take the next.
      onThreadLost: (error, threadsLeft) => this.logger.warn(`${error.message}; ${threadsLeft} encoder threads left`),
    });
  }

  encode(request: EncodeRequest): Promise<EncodedBlock> {
    return this.pool.run(request, [request.values.buffer as ArrayBuffer]);
  }

  /** After the transport has flushed its last blocks (Nest closes microservices before this hook). */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
