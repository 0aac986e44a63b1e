import { WorkerPool } from '@audit/threads';
import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { formatRecordLines, type FormatJob, type FormattedLines } from './record-lines.formatter';
// Naming the worker's module here also makes every build that compiles this file emit it.
import type { RecordFormatterJobs } from './record-formatter.worker';

/**
 * Decodes, filters and serializes projection records ({@link formatRecordLines}) on worker
 * threads shared by every stream of the process, so the delivery's main thread only fetches,
 * assembles, signs and sends (measured on one thread: decoding and serializing were about half of a
 * stream's CPU). A record goes to the thread with the fewest records waiting; each caller awaits
 * its own records in order, so order within a stream is the caller's.
 *
 * Without the compiled worker file (the sources run under ts-jest), with `threads` 0, or after the
 * threads died, the same function runs on the calling thread: the result is the same either way.
 * A dead thread's records are formatted again by the others, or on this thread: a reader never
 * loses one.
 */
export class RecordFormatterPool {
  private readonly pool: WorkerPool<RecordFormatterJobs>;

  constructor(threads: number) {
    const logger = new Logger(RecordFormatterPool.name);
    this.pool = new WorkerPool<RecordFormatterJobs>({
      file: join(__dirname, 'record-formatter.worker.js'),
      threads,
      local: formatRecordLines,
      failed: 'formatting a projection record failed',
      thread: 'a formatter thread',
      rerunLost: true,
      // A record's value is a view into kafkajs's whole fetch response, which cloning would copy
      // in full for every record (measured: a third of the main thread); a copy of its own bytes
      // moves instead, and the record itself stays whole for a second run.
      message: (job) => {
        const value = new Uint8Array(job.value);
        return { job: { ...job, value }, transfer: [value.buffer] };
      },
      onThreadLost: (error, threadsLeft) => logger.warn(`${error.message}; ${threadsLeft} formatter threads left`),
    });
  }

  format(job: FormatJob): Promise<FormattedLines> {
    return this.pool.run(job);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
