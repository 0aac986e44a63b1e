import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root (benchmarks run from dist/bench). */
const REPO_ROOT = resolve(__dirname, '..', '..', '..');

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Starts a built app (`dist/apps/<app>/src/main.js`) in a process of its own, as it is deployed,
 * and resolves once `readyUrl` answers 200. Its stdout (JSON request and event logs) is written
 * and discarded, as a log shipper would take it; stderr stays visible.
 */
export async function startBuiltApp(app: string, env: Record<string, string>, readyUrl: string): Promise<ChildProcess> {
  // BENCH_APP_NODE_ARGS: extra node flags for the app only, e.g. `--cpu-prof --cpu-prof-dir=.data/prof` (not allowed in NODE_OPTIONS).
  const extra = (process.env.BENCH_APP_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...extra, '--enable-source-maps', '-r', join(REPO_ROOT, 'scripts', 'register-paths.cjs'), join(REPO_ROOT, 'dist', 'apps', app, 'src', 'main.js')], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...env },
  });
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${app} exited with ${child.exitCode}`);
    if (await fetch(readyUrl).then((response) => response.status === 200, () => false)) return child;
    if (Date.now() > deadline) throw new Error(`${app} was not ready at ${readyUrl} after 120 s`);
    await sleep(250);
  }
}

export async function stopBuiltApp(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
}

/** Resident and peak resident memory of a process, in MB (Linux /proc). */
export function processMemoryMb(pid: number): { rss: number; peakRss: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peakRss: kb('VmHWM') / 1024 };
}
