// The worker side of a WorkerPool. Imports nothing but Node's own modules, so a worker entry
// loads it cheaply (and a test worker can load it from its source under Node's type stripping).
import { parentPort } from 'node:worker_threads';

/**
 * What a worker entry serves: the job it is sent and the result it answers. The entry exports it
 * as a type and its pool names that type (`WorkerPool<BlockEncoderJobs>`), so both sides check
 * against one declaration — and every build that compiles the pool also emits the entry, which is
 * started by its path and never imported.
 */
export interface ThreadJobs<Job = unknown, Result = unknown> {
  job: Job;
  result: Result;
}

export interface ThreadRequest<T extends ThreadJobs> {
  id: number;
  job: T['job'];
}

export type ThreadReply<T extends ThreadJobs> = { id: number; result: T['result']; error?: undefined } | { id: number; result?: undefined; error: string };

/**
 * Answers every job the pool sends this thread, in the order sent, with `handle`'s result or its
 * error's message (a job that throws fails alone; the thread goes on). `transferOf` names the
 * result's buffers that move to the pool's thread rather than being copied.
 */
export function serveJobs<T extends ThreadJobs>(handle: (job: T['job']) => T['result'], transferOf: (result: T['result']) => ArrayBuffer[] = () => []): void {
  const port = parentPort;
  if (!port) return; // loaded outside a worker thread: nothing sends it jobs
  port.on('message', ({ id, job }: ThreadRequest<T>) => {
    let reply: ThreadReply<T>;
    try {
      reply = { id, result: handle(job) };
    } catch (error) {
      reply = { id, error: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(reply, reply.error === undefined ? transferOf(reply.result) : []);
  });
}
