#!/usr/bin/env node
// `npm test`: lint (module boundaries included), type check, then every jest suite, unit and
// integration, against real services that this script starts and always stops.
// Extra arguments go to jest: `npm test -- libs/contract`.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServices } from './test-services.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const jestArgs = process.argv.slice(2);
const bin = (pkg, file) => join(root, 'node_modules', pkg, 'bin', file);

function run(label, args, env = process.env) {
  console.log(`\n[test] ${label}`);
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env });
    current = child;
    child.once('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

let current;
let services;
let finished = false;

async function finish(code) {
  if (finished) return;
  finished = true;
  if (current && current.exitCode === null) current.kill('SIGTERM');
  if (services) await services.stop().catch((error) => console.error(`[test] stopping services: ${error.message}`));
  process.exit(code);
}
process.on('SIGINT', () => void finish(130));
process.on('SIGTERM', () => void finish(143));

try {
  const quick = jestArgs.length > 0;
  if (!quick) {
    // The module-boundaries rule reads Nx's project graph; without a computed graph it skips itself.
    if ((await run('project graph (nx)', [join(root, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), 'show', 'projects'], { ...process.env, NX_DAEMON: 'false' })) !== 0) await finish(1);
    if ((await run('lint (eslint, Nx module boundaries)', [bin('eslint', 'eslint.js'), '.', '--max-warnings=0'])) !== 0) await finish(1);
    if ((await run('type check (tsc)', [bin('typescript', 'tsc'), '-p', 'tsconfig.json'])) !== 0) await finish(1);
    if ((await run('type check of the console page (tsc, DOM)', [bin('typescript', 'tsc'), '-p', 'apps/console/tsconfig.json'])) !== 0) await finish(1);
  }
  services = await startTestServices();
  console.log(`[test] integration tests use: ${services.description}`);
  const env = { ...services.env, NODE_ENV: 'test', AUDIT_TEST_SERVICES: services.description };
  const code = await run('jest', [bin('jest', 'jest.js'), '--ci', '--maxWorkers=2', ...jestArgs], env);
  await finish(code);
} catch (error) {
  console.error(`[test] ${error.stack ?? error}`);
  await finish(1);
}
