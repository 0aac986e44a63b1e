#!/usr/bin/env node
// `npm run bench [-- --only NAME]`: builds, starts a broker of its own (port 39092, fresh data),
// runs every bench/NAME.bench.ts (compiled to dist/bench) one after another, stops the broker.
// Each benchmark prints a table and writes bench/results/NAME.json.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, nodeArgs } from './build.mjs';
import { kafkaSettings, startKafka, stopKafka } from './kafka.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? args[onlyIndex + 1]?.split(',') : undefined;

const available = existsSync(join(root, 'bench'))
  ? readdirSync(join(root, 'bench')).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace(/\.bench\.ts$/, '')).sort()
  : [];
const selected = only ? available.filter((name) => only.includes(name)) : available;
if (only && selected.length !== only.length) {
  console.error(`unknown benchmark(s): ${only.filter((n) => !available.includes(n)).join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}

const env = { ...process.env, KAFKA_PORT: process.env.BENCH_KAFKA_PORT ?? '39092', KAFKA_DATA_DIR: process.env.BENCH_KAFKA_DATA_DIR ?? '.data/kafka-bench' };
let failed = 0;
let broker;
const stop = async () => {
  if (broker?.startedHere) await stopKafka({ env });
};
process.on('SIGINT', () => void stop().then(() => process.exit(130)));

try {
  build();
  await stopKafka({ env });
  rmSync(kafkaSettings(env).dataDir, { recursive: true, force: true });
  broker = await startKafka({ env });
  for (const name of selected) {
    console.log(`\n[bench] ${name}`);
    const code = await new Promise((done) => {
      const child = spawn(process.execPath, ['--expose-gc', ...nodeArgs(`bench/${name}.bench.js`)], {
        cwd: root,
        stdio: 'inherit',
        env: { ...env, KAFKA_BROKERS: broker.brokers, NODE_ENV: 'production' },
      });
      child.once('exit', (c) => done(c ?? 1));
    });
    if (code !== 0) {
      failed += 1;
      console.error(`[bench] ${name} failed with exit code ${code}`);
    }
  }
} finally {
  await stop();
}
process.exit(failed ? 1 : 0);
