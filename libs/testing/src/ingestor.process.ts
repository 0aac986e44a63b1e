import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo-root';

const root = repoRoot();
const main = join(root, 'dist/apps/ingestor/src/main.js');

export interface IngestorProcess {
  child: ChildProcess;
  exited: Promise<unknown>;
  /** What it printed (stdout and stderr; at most 50 lines per chunk), for failure messages and log checks. */
  output: string[];
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Compiles the standalone ingestor (only its own sources: a sibling's half-edited file elsewhere
 * cannot break this build) once per test run. Test files in parallel jest workers share dist/, and
 * a rebuild while another file spawns an ingestor could hand it a half-written module: a lock
 * directory serialises the builds and a stamp named after the run's jest process skips the rest.
 */
export function buildIngestor(): void {
  const stamp = join(root, 'dist/apps/ingestor', `.built-by-${process.env.AUDIT_TEST_RUN_ID ?? process.ppid}`);
  const lock = join(root, 'dist', '.ingestor-build.lock');
  mkdirSync(join(root, 'dist'), { recursive: true });
  for (const deadline = Date.now() + 180_000; ; sleepSync(200)) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || Date.now() > deadline) throw error;
    }
  }
  try {
    if (existsSync(stamp) && existsSync(main)) return;
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'apps/ingestor/tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
    if (tsc.status !== 0 || !existsSync(main)) throw new Error(`the ingestor build failed (${main})`);
    writeFileSync(stamp, '');
  } finally {
    rmdirSync(lock);
  }
}

/** Starts `dist/apps/ingestor` as a process of its own (so it can be killed with SIGKILL). */
export function spawnIngestor(env: Record<string, string>): IngestorProcess {
  const child = spawn(process.execPath, ['-r', join(root, 'scripts/register-paths.cjs'), main], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean).slice(-50));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise((done) => child.once('exit', done));
  return { child, exited, output };
}
