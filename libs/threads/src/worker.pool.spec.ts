import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ThreadJobs } from './thread-jobs.serve';
import { WorkerPool } from './worker.pool';

type Job =
  | { op: 'echo'; value?: number }
  | { op: 'slow'; ms: number; value?: number }
  | { op: 'throw'; value: number }
  | { op: 'exit'; ms: number }
  | { op: 'crash' }
  | { op: 'bytes'; size: number }
  | { op: 'lastBytesLength' }
  | { op: 'received'; bytes: Uint8Array };
type Jobs = ThreadJobs<Job, { threadId?: number; value?: number; local?: true } | Uint8Array | number>;

// The entry runs the real serveJobs from its source (Node strips the types), so the pool is tested
// against the worker side it ships with.
const ENTRY = `
const { threadId } = require('node:worker_threads');
const { serveJobs } = require(${JSON.stringify(join(__dirname, 'thread-jobs.serve.ts'))});
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
let lastBytes;
serveJobs((job) => {
  switch (job.op) {
    case 'echo': return { threadId, value: job.value };
    case 'slow': sleep(job.ms); return { threadId, value: job.value };
    case 'throw': throw new Error('job ' + job.value + ' is malformed');
    case 'exit': sleep(job.ms); process.exit(3);
    case 'crash': process.nextTick(() => { throw new Error('the thread broke'); }); return { threadId };
    case 'bytes': lastBytes = new Uint8Array(job.size); return lastBytes;
    case 'lastBytesLength': return lastBytes.byteLength;
    case 'received': return job.bytes.byteLength;
  }
}, (result) => (result instanceof Uint8Array ? [result.buffer] : []));
`;

describe('WorkerPool', () => {
  let dir: string;
  let entry: string;
  const pools: WorkerPool<Jobs>[] = [];
  const lost: { message: string; threadsLeft: number }[] = [];

  const pool = (threads: number, file = entry): WorkerPool<Jobs> => {
    const created = new WorkerPool<Jobs>({
      file,
      threads,
      local: () => ({ local: true }),
      failed: 'the test job failed',
      thread: 'a test thread',
      onThreadLost: (error, threadsLeft) => lost.push({ message: error.message, threadsLeft }),
    });
    pools.push(created);
    return created;
  };
  const threadOf = async (job: Promise<Jobs['result']>) => ((await job) as { threadId: number }).threadId;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'worker-pool-'));
    entry = join(dir, 'test.worker.js');
    writeFileSync(entry, ENTRY);
  });
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((each) => each.close()));
    lost.length = 0;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should send a job to the thread with the fewest jobs waiting', async () => {
    const workers = pool(2);
    const busy = workers.run({ op: 'slow', ms: 400 });
    const idle = await threadOf(workers.run({ op: 'echo' }));

    // One thread still holds the slow job; the other has answered: it takes the next job.
    expect(await threadOf(workers.run({ op: 'echo' }))).toBe(idle);
    expect(await threadOf(busy)).not.toBe(idle);
  });

  it('should fail only a job that throws, with its message, and keep its thread', async () => {
    const workers = pool(1);
    const before = await threadOf(workers.run({ op: 'echo' }));

    await expect(workers.run({ op: 'throw', value: 7 })).rejects.toThrow('the test job failed: job 7 is malformed');
    expect(await threadOf(workers.run({ op: 'echo' }))).toBe(before);
    expect(lost).toEqual([]);
  });

  it('should fail only the jobs of a thread that exits, and send the next jobs to the threads left', async () => {
    const workers = pool(2);
    const survivor = workers.run({ op: 'slow', ms: 300, value: 1 });
    const dying = expect(workers.run({ op: 'exit', ms: 100 })).rejects.toThrow('a test thread exited (code 3)');
    const alsoSurvives = workers.run({ op: 'slow', ms: 1, value: 2 });
    const queuedOnDying = expect(workers.run({ op: 'echo', value: 3 })).rejects.toThrow('a test thread exited (code 3)');

    await Promise.all([dying, queuedOnDying]);
    const left = await threadOf(survivor);
    expect(await threadOf(alsoSurvives)).toBe(left);
    expect(lost).toEqual([{ message: 'a test thread exited (code 3)', threadsLeft: 1 }]);
    expect(await Promise.all([1, 2, 3].map(() => threadOf(workers.run({ op: 'echo' }))))).toEqual([left, left, left]);
  });

  it('should fail the waiting jobs of a thread that breaks with an uncaught error, and report it once', async () => {
    const workers = pool(2);
    const other = workers.run({ op: 'slow', ms: 300 });
    const crash = workers.run({ op: 'crash' }).catch(() => undefined); // its own answer races the crash
    const queuedOnCrashed = workers.run({ op: 'slow', ms: 1 });
    const afterCrash = workers.run({ op: 'echo' });

    await expect(afterCrash).rejects.toThrow('the thread broke');
    await crash;
    expect(await threadOf(other)).toBe(await threadOf(queuedOnCrashed));
    expect(lost).toEqual([{ message: 'the thread broke', threadsLeft: 1 }]);
  });

  it('should run jobs on the calling thread once every thread is lost, without restarting an entry that cannot load', async () => {
    const broken = join(dir, 'broken.worker.js');
    writeFileSync(broken, "throw new Error('cannot load');");
    const workers = pool(2, broken);
    while (lost.length < 2) await new Promise((done) => setTimeout(done, 20));

    expect(workers.threaded).toBe(false);
    expect(await workers.run({ op: 'echo' })).toEqual({ local: true });
    expect(lost.map(({ threadsLeft }) => threadsLeft)).toEqual([1, 0]);
  });

  it('should run jobs on the calling thread when the entry file is absent (sources under ts-jest)', async () => {
    const workers = pool(2, join(dir, 'absent.worker.js'));

    expect(workers.threaded).toBe(false);
    expect(await workers.run({ op: 'echo' })).toEqual({ local: true });
  });

  it('should move transferred buffers both ways rather than copying them', async () => {
    const workers = pool(1);
    const bytes = new Uint8Array(1024);

    expect(await workers.run({ op: 'received', bytes }, [bytes.buffer])).toBe(1024);
    expect(bytes.byteLength).toBe(0);
    expect(((await workers.run({ op: 'bytes', size: 512 })) as Uint8Array).byteLength).toBe(512);
    expect(await workers.run({ op: 'lastBytesLength' })).toBe(0);
  });

  it('should run a lost thread\'s jobs again from the caller\'s own jobs when asked to, so none fails', async () => {
    const workers = new WorkerPool<Jobs>({
      file: entry,
      threads: 1,
      local: (job) => (job.op === 'received' ? job.bytes.byteLength : { local: true }),
      failed: 'the test job failed',
      thread: 'a test thread',
      rerunLost: true,
      // The thread gets a copy whose buffer moves; the caller's job stays whole for a second run.
      message: (job) => {
        if (job.op !== 'received') return { job, transfer: [] };
        const copy = job.bytes.slice();
        return { job: { ...job, bytes: copy }, transfer: [copy.buffer] };
      },
      onThreadLost: (error, threadsLeft) => lost.push({ message: error.message, threadsLeft }),
    });
    pools.push(workers);
    const bytes = new Uint8Array(1024);

    const results = await Promise.all([workers.run({ op: 'exit', ms: 100 }), workers.run({ op: 'received', bytes })]);

    expect(results).toEqual([{ local: true }, 1024]);
    expect(bytes.byteLength).toBe(1024);
    expect(lost).toEqual([{ message: 'a test thread exited (code 3)', threadsLeft: 0 }]);
  });

  it('should run a job that killed its thread again on the caller, never on another thread it could kill too', async () => {
    const workers = new WorkerPool<Jobs>({
      file: entry,
      threads: 2,
      local: () => ({ local: true }),
      failed: 'the test job failed',
      thread: 'a test thread',
      rerunLost: true,
      onThreadLost: (error, threadsLeft) => lost.push({ message: error.message, threadsLeft }),
    });
    pools.push(workers);

    expect(await workers.run({ op: 'exit', ms: 10 })).toEqual({ local: true });

    expect(lost).toEqual([{ message: 'a test thread exited (code 3)', threadsLeft: 1 }]);
    expect(workers.threaded).toBe(true);
  });

  it('should close after its jobs are answered without failing any, and fail a job still waiting at close', async () => {
    const workers = pool(2);
    const answered = await Promise.all([workers.run({ op: 'echo', value: 1 }), workers.run({ op: 'echo', value: 2 })]);
    // Awaited only after close, so the check is attached before the job can fail.
    const waiting = expect(workers.run({ op: 'slow', ms: 2_000 })).rejects.toThrow('a test thread exited (code 1)');

    await workers.close();

    expect(answered).toMatchObject([{ value: 1 }, { value: 2 }]);
    await waiting;
    expect(workers.threaded).toBe(false);
    expect(lost).toEqual([]);
  });
});
