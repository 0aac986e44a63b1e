#!/usr/bin/env node
// `npm test`: lint (module boundaries included), type check, then every jest suite, unit and
// integration, against real services that this script starts and always stops.
// Extra arguments go to jest: `npm test -- libs/contract`. `--unit` (`npm run test:unit`) runs only
// the unit tier (`*.spec.ts`), with no services and no lint: the inner loop.
//
// The Kafka clients of the tests log expected broker states (a coordinator loading, connections
// refused while a fault run stops a broker) by the hundred; they go to test-output/kafka-client.log
// (KAFKA_CLIENT_LOG_FILE, read by libs/kafka) and the run ends with a count of what it holds.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServices } from './test-services.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const unitOnly = process.argv[2] === '--unit';
const jestArgs = process.argv.slice(unitOnly ? 3 : 2);
const kafkaClientLog = join(root, 'test-output', 'kafka-client.log');
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

/** One line on what the Kafka clients logged, so a reader knows where to look when a test failed. */
function summarizeClientLog() {
  if (!existsSync(kafkaClientLog)) return;
  const counts = {};
  for (const line of readFileSync(kafkaClientLog, 'utf8').split('\n')) {
    const level = /"level":"(\w+)"/.exec(line)?.[1];
    if (level) counts[level] = (counts[level] ?? 0) + 1;
  }
  const summary = Object.entries(counts).map(([level, count]) => `${count} ${level}`).join(', ') || 'nothing';
  console.log(`[test] Kafka client log (${summary}): ${relative(root, kafkaClientLog)}`);
}

async function finish(code) {
  if (finished) return;
  finished = true;
  if (current && current.exitCode === null) current.kill('SIGTERM');
  if (services) await services.stop().catch((error) => console.error(`[test] stopping services: ${error.message}`));
  summarizeClientLog();
  process.exit(code);
}
process.on('SIGINT', () => void finish(130));
process.on('SIGTERM', () => void finish(143));

try {
  if (unitOnly) {
    const code = await run('jest (unit tier)', [bin('jest', 'jest.js'), '--ci', '--maxWorkers=2', ...jestArgs], { ...process.env, NODE_ENV: 'test', AUDIT_TEST_TIER: 'unit' });
    await finish(code);
  }
  mkdirSync(dirname(kafkaClientLog), { recursive: true });
  rmSync(kafkaClientLog, { force: true });
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
  // Apps the tests start as processes inherit this environment. A read waits for its audit event's
  // acknowledgement; on two cores busy with the whole suite the broker can take longer than the
  // 2 s default, and a refused read is not what those tests check (the outage tests set their own).
  const env = {
    ...services.env,
    NODE_ENV: 'test',
    AUDIT_TEST_SERVICES: services.description,
    KAFKA_CLIENT_LOG_FILE: process.env.KAFKA_CLIENT_LOG_FILE ?? kafkaClientLog,
    QUERY_AUDIT_ACK_TIMEOUT_MS: process.env.QUERY_AUDIT_ACK_TIMEOUT_MS ?? '15000',
  };
  const code = await run('jest', [bin('jest', 'jest.js'), '--ci', '--maxWorkers=2', ...jestArgs], env);
  await finish(code);
} catch (error) {
  console.error(`[test] ${error.stack ?? error}`);
  await finish(1);
}
