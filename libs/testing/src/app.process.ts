import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, globSync, mkdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from './repo-root';

const root = repoRoot();

/** The apps a test can run as processes of their own, from `dist/apps/<app>/src/main.js`. */
export type AppName = 'ingestor' | 'query-api' | 'all-in-one' | 'stream-delivery';

export interface AppProcess {
  child: ChildProcess;
  exited: Promise<unknown>;
  /** What it printed (stdout and stderr; at most 50 lines per chunk), for failure messages and log checks. */
  output: string[];
}

/** The standalone ingestor as a process (tests that kill it with SIGKILL). */
export type IngestorProcess = AppProcess;

const main = (app: AppName) => join(root, `dist/apps/${app}/src/main.js`);
const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Compiles one app (only its own sources: a sibling's half-edited file elsewhere cannot break this
 * build) once per test run. Test files in parallel jest workers share dist/, and a rebuild while
 * another file spawns an app could hand it a half-written module: a lock directory serialises the
 * builds and a stamp named after the run's jest process skips the rest.
 */
export function buildApp(app: AppName): void {
  const stamp = join(root, `dist/apps/${app}`, `.built-by-${process.env.AUDIT_TEST_RUN_ID ?? process.ppid}`);
  const lock = join(root, 'dist', '.app-build.lock');
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
    if (existsSync(stamp) && existsSync(main(app))) return;
    const started = Date.now();
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, `apps/${app}/tsconfig.build.json`)], { cwd: root, stdio: 'inherit' });
    if (tsc.status !== 0 || !existsSync(main(app))) throw new Error(`the ${app} build failed (${main(app)})`);
    // Worker threads are loaded by path, not imported, so tsc reaches them only through the app's
    // include list. A left-out worker would still be found in a dist/ of an earlier full build,
    // and only a fresh clone would run without it: require this build to have written each one.
    for (const source of globSync('libs/*/src/**/*.worker.ts', { cwd: root })) {
      const compiled = join(root, 'dist', source.replace(/\.ts$/, '.js'));
      if (!existsSync(compiled) || statSync(compiled).mtimeMs < started - 1_000) throw new Error(`the ${app} build did not compile the worker ${source}: apps/${app}/tsconfig.build.json must include it`);
    }
    writeFileSync(stamp, '');
  } finally {
    rmdirSync(lock);
  }
}

/**
 * Starts a built app as a process of its own (so it can be killed with SIGKILL, and its crash
 * cannot take the test runner with it). Its operations listener takes a free port unless `env`
 * names one, so parallel test files never collide on a default port.
 */
export function spawnApp(app: AppName, env: Record<string, string>): AppProcess {
  const child = spawn(process.execPath, ['--enable-source-maps', '-r', join(root, 'scripts/register-paths.cjs'), main(app)], {
    cwd: root,
    env: { ...process.env, OPS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean).slice(-50));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise((done) => child.once('exit', done));
  return { child, exited, output };
}

export const buildIngestor = (): void => buildApp('ingestor');

export const spawnIngestor = (env: Record<string, string>): IngestorProcess => spawnApp('ingestor', env);

/** A port that was free a moment ago (the OS's choice), for an app that must be told its port up front. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}
