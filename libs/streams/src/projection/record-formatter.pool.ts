import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { formatRecordLines, type FormatJob, type FormattedLines } from './record-lines.formatter';
// Naming the worker's module here also makes every build that compiles this file emit it.
import type { FormatReply, FormatRequest } from './record-formatter.worker';

interface FormatterThread {
  worker: Worker;
  pending: Map<number, { job: FormatJob; resolve: (lines: FormattedLines) => void; reject: (error: Error) => void }>;
}

/**
 * Decodes, filters and serializes projection records ({@link formatRecordLines}) on worker
 * threads shared by every stream of the process, so the delivery's main thread only fetches,
 * assembles, signs and sends (measured on one thread: decoding and serializing were about half of a
 * stream's CPU). A record goes to the thread with the fewest records waiting; each caller awaits
 * its own records in order, so order within a stream is the caller's.
 *
 * Without the compiled worker file (the sources run under ts-jest), with `threads` 0, or after a
 * thread died, the same function runs on the calling thread: the result is the same either way.
 */
export class RecordFormatterPool {
  private readonly logger = new Logger(RecordFormatterPool.name);
  private threads: FormatterThread[] = [];
  private nextId = 0;

  constructor(threads: number) {
    const file = join(__dirname, 'record-formatter.worker.js');
    if (!existsSync(file)) return;
    for (let index = 0; index < threads; index++) this.threads.push(this.start(file));
  }

  format(job: FormatJob): Promise<FormattedLines> {
    if (this.threads.length === 0) return Promise.resolve().then(() => formatRecordLines(job));
    const thread = this.threads.reduce((least, candidate) => (candidate.pending.size < least.pending.size ? candidate : least));
    const id = this.nextId++;
    return new Promise<FormattedLines>((resolve, reject) => {
      thread.pending.set(id, { job, resolve, reject });
      // A record's value is a view into kafkajs's whole fetch response, which cloning would copy
      // in full for every record (measured: a third of the main thread); its own bytes move instead.
      const value = new Uint8Array(job.value);
      const request: FormatRequest = { id, job: { ...job, value } };
      thread.worker.postMessage(request, [value.buffer]);
    });
  }

  async close(): Promise<void> {
    const threads = this.threads;
    this.threads = [];
    await Promise.all(threads.map(({ worker }) => worker.terminate()));
  }

  private start(file: string): FormatterThread {
    // The worker inherits the process's execArgv: the compiled apps' alias hook (-r scripts/register-paths.cjs).
    const thread: FormatterThread = { worker: new Worker(file), pending: new Map() };
    thread.worker.unref();
    thread.worker.on('message', ({ id, lines, error }: FormatReply) => {
      const pending = thread.pending.get(id);
      thread.pending.delete(id);
      if (lines) pending?.resolve(lines);
      else pending?.reject(new Error(`formatting a projection record failed: ${error}`));
    });
    thread.worker.once('error', (error) => this.stop(thread, error));
    thread.worker.once('exit', (code) => this.stop(thread, new Error(`a formatter thread exited (code ${code})`)));
    return thread;
  }

  /** A dead thread's records are formatted again by the others, or on this thread: a reader never loses one. */
  private stop(thread: FormatterThread, error: Error): void {
    if (this.threads.includes(thread)) {
      this.threads = this.threads.filter((other) => other !== thread);
      this.logger.warn(`${error.message}; ${this.threads.length} formatter threads left`);
    }
    const pending = [...thread.pending.values()];
    thread.pending.clear();
    for (const { job, resolve, reject } of pending) this.format(job).then(resolve, reject);
  }
}
