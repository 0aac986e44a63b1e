#!/usr/bin/env node
// `npm start`: the whole stack on the embedded default. Starts the Kafka broker (resolving its jars
// on first run), builds, then runs ingestor + query API in one process on chDB, with demo traffic
// for the Auditing console (DEMO_TRAFFIC=0 turns it off). Ctrl-C stops all.
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildConsole } from './build-console.mjs';
import { build, nodeArgs } from './build.mjs';
import { DEMO_ORGANIZATION, devSecret, devSigningKey, devStreamsKey, devToken } from './dev-token.mjs';
import { startKafka, stopKafka } from './kafka.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.env.PORT ?? 3000);
// The operations listener (/metrics, /health/*), apart from the API, on loopback.
const opsPort = Number(process.env.OPS_PORT ?? 3002);

const kafka = await startKafka();
let app;
let demo;
let stopping = false;

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  if (demo && demo.exitCode === null) demo.kill('SIGTERM');
  if (app && app.exitCode === null) {
    app.kill('SIGTERM');
    await new Promise((done) => {
      const timer = setTimeout(() => {
        app.kill('SIGKILL');
        done();
      }, 30_000);
      app.once('exit', () => {
        clearTimeout(timer);
        done();
      });
    });
  }
  if (kafka.startedHere) await stopKafka();
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  build();
  await buildConsole();
} catch (error) {
  console.error(error.message);
  await shutdown(1);
}

const secret = process.env.AUTH_JWT_SECRET ?? devSecret();
app = spawn(process.execPath, nodeArgs('apps/all-in-one/src/main.js'), {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? kafka.brokers,
    AUTH_JWT_SECRET: secret,
    AUDIT_CHAIN_SIGNING_KEY: process.env.AUDIT_CHAIN_SIGNING_KEY ?? devSigningKey(),
    // Checkpoints and expiry rounds every minute locally (production: hourly and daily), also kept in a file outside chDB.
    AUDIT_CHECKPOINT_INTERVAL_MS: process.env.AUDIT_CHECKPOINT_INTERVAL_MS ?? '60000',
    AUDIT_EXPIRY_INTERVAL_MS: process.env.AUDIT_EXPIRY_INTERVAL_MS ?? '60000',
    AUDIT_CHECKPOINT_FILE: process.env.AUDIT_CHECKPOINT_FILE ?? resolve(root, '.data', 'chain-checkpoints.jsonl'),
    STREAMS_SECRET_KEY: process.env.STREAMS_SECRET_KEY ?? devStreamsKey(),
    // Locally, streams may deliver to receivers on this machine (production allows none by default).
    STREAMS_ALLOWED_CIDRS: process.env.STREAMS_ALLOWED_CIDRS ?? '127.0.0.1/32,::1/128',
    PORT: String(port),
    OPS_PORT: String(opsPort),
  },
});
app.once('exit', (code) => {
  if (!stopping) {
    console.error(`the audit pipeline exited with code ${code}`);
    void shutdown(code ?? 1);
  }
});

const token = await devToken({ secret });
console.log(`
  Audit pipeline on the embedded engine
  API        http://127.0.0.1:${port}/v1/audit-logs
  Health     http://127.0.0.1:${opsPort}/health/ready   (operations listener: health and metrics)
  Metrics    http://127.0.0.1:${opsPort}/metrics
  Kafka      ${kafka.brokers}
  Console    http://127.0.0.1:${port}/audit#token=${token}
             (signs you in as the Owner of ${DEMO_ORGANIZATION} for 12 h; the token stays in that tab)
  Dev token  (Owner of ${DEMO_ORGANIZATION}, valid 12 h):
  ${token}

  Publish an event:  npm run publish:event
  Read it back:      curl -H "Authorization: Bearer <token>" http://127.0.0.1:${port}/v1/audit-logs
  Verify the chain:  curl -H "Authorization: Bearer <token>" http://127.0.0.1:${port}/v1/audit-logs/verify
  Verified export:   curl -H "Authorization: Bearer <token>" -o export.ndjson "http://127.0.0.1:${port}/v1/audit-logs/export?format=ndjson&verified=true"
                     curl -H "Authorization: Bearer <token>" -o audit-public.pem http://127.0.0.1:${port}/v1/audit-logs/public-key
                     node scripts/verify-export.mjs export.ndjson --public-key audit-public.pem
  Stream to a local webhook (README, "Streams"):
                     WEBHOOK_SECRET=local-webhook-secret-0001 node scripts/webhook-receiver.mjs
`);

// Demo traffic through the producer library, once the API answers (it checks whether the demo
// organization already has events before backfilling).
if (process.env.DEMO_TRAFFIC !== '0') {
  const apiUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  while (!stopping && Date.now() < deadline && !(await fetch(`http://127.0.0.1:${opsPort}/health/ready`).then((response) => response.ok, () => false))) {
    await new Promise((done) => setTimeout(done, 500));
  }
  if (!stopping) {
    demo = spawn(process.execPath, nodeArgs('scripts/demo-traffic.js'), {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? kafka.brokers, API_URL: apiUrl, DEMO_TOKEN: token, DEMO_ORGANIZATION },
    });
  }
}
