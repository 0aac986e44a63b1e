import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { ThreadJobs, ThreadReply, ThreadRequest } from './thread-jobs.serve';

export interface WorkerPoolOptions<T extends ThreadJobs> {
  /** The compiled worker entry (one that calls `serveJobs`). Absent (the sources run under ts-jest): every job runs on the calling thread. */
  file: string;
  threads: number;
  /** The entry's own work, run on the calling thread when no thread is left: the result is the same either way. */
  local: (job: T['job']) => T['result'];
  /** Starts a failed job's error: `${failed}: ${the worker's message}`. */
  failed: string;
  /** Names a thread in the error its exit raises: `${thread} exited (code 1)`. */
  thread: string;
  /** A thread died or failed to load: told once per thread, with how many threads are left. */
  onThreadLost?: (error: Error, threadsLeft: number) => void;
  /**
   * A lost thread's jobs run again on the calling thread instead of failing (never on another
   * thread, which the job that killed this one could kill too): for work whose result is the same
   * wherever it runs and that a caller must not lose.
   */
  rerunLost?: boolean;
  /**
   * What travels to the thread for a job, and the buffers that move with it. Default: the job
   * itself (cloned) with `run`'s transfer list. With `rerunLost`, give a copy whose buffers move,
   * so the caller's job stays whole for a second run.
   */
  message?: (job: T['job']) => { job: T['job']; transfer: ArrayBuffer[] };
}

interface PoolThread<T extends ThreadJobs> {
  worker: Worker;
  pending: Map<number, { job: T['job']; resolve: (result: T['result']) => void; reject: (error: Error) => void }>;
}

/**
 * Runs jobs on worker threads beside the calling thread. A job goes to the thread with the fewest
 * jobs waiting; a thread answers its jobs in the order sent.
 *
 * A thread that dies (an uncaught error, an exit, or an entry that fails to load) fails only the
 * jobs it held (or, with `rerunLost`, runs them again on the calling thread), and leaves the pool: the next jobs go to the threads left, and once none is left,
 * to the calling thread. It is not restarted, so an entry that cannot load never loops.
 * `close` terminates the threads; a job still waiting on one then fails (with `rerunLost`, runs
 * on the calling thread).
 */
export class WorkerPool<T extends ThreadJobs> {
  private threads: PoolThread<T>[] = [];
  private nextId = 0;

  constructor(private readonly options: WorkerPoolOptions<T>) {
    if (!existsSync(options.file)) return;
    for (let index = 0; index < options.threads; index++) this.threads.push(this.start());
  }

  /** Whether jobs go to worker threads (false: they run on the calling thread). */
  get threaded(): boolean {
    return this.threads.length > 0;
  }

  /** `transfer`: the job's buffers that move to the thread rather than being copied (the caller must not touch them after). */
  run(job: T['job'], transfer: ArrayBuffer[] = []): Promise<T['result']> {
    if (this.threads.length === 0) return Promise.resolve().then(() => this.options.local(job));
    const thread = this.threads.reduce((least, candidate) => (candidate.pending.size < least.pending.size ? candidate : least));
    const id = this.nextId++;
    const message = this.options.message?.(job) ?? { job, transfer };
    return new Promise((resolve, reject) => {
      thread.pending.set(id, { job, resolve, reject });
      const request: ThreadRequest<T> = { id, job: message.job };
      thread.worker.postMessage(request, message.transfer);
    });
  }

  async close(): Promise<void> {
    const threads = this.threads;
    this.threads = [];
    await Promise.all(threads.map(({ worker }) => worker.terminate()));
  }

  private start(): PoolThread<T> {
    // The worker inherits the process's execArgv: the compiled apps' alias hook (-r scripts/register-paths.cjs).
    // Started otherwise, it fails to load, and its jobs run on the other threads or this one (see stop).
    const thread: PoolThread<T> = { worker: new Worker(this.options.file), pending: new Map() };
    thread.worker.unref();
    thread.worker.on('message', ({ id, result, error }: ThreadReply<T>) => {
      const pending = thread.pending.get(id);
      thread.pending.delete(id);
      if (error === undefined) pending?.resolve(result);
      else pending?.reject(new Error(`${this.options.failed}: ${error}`));
    });
    thread.worker.once('error', (error) => this.stop(thread, error));
    thread.worker.once('exit', (code) => this.stop(thread, new Error(`${this.options.thread} exited (code ${code})`)));
    return thread;
  }

  /** Both 'error' and 'exit' arrive for a thread that died: it leaves the pool (and is reported) once. */
  private stop(thread: PoolThread<T>, error: Error): void {
    if (this.threads.includes(thread)) {
      this.threads = this.threads.filter((other) => other !== thread);
      this.options.onThreadLost?.(error, this.threads.length);
    }
    const pending = [...thread.pending.values()];
    thread.pending.clear();
    for (const { job, resolve, reject } of pending) {
      // On the caller, not another thread: the job may be what killed this one.
      if (this.options.rerunLost) Promise.resolve().then(() => this.options.local(job)).then(resolve, reject);
      else reject(error);
    }
  }
}
