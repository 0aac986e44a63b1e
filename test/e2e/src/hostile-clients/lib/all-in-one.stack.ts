import { serializeAuditEvent, type AuditEvent } from '@audit/contract';
import { buildApp, createTestTopics, freePort, metricSum, signTestToken, spawnApp, testKafka, testSigningKey, uniqueName, waitFor, type AppProcess } from '@audit/testing';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SECRET = 'hostile-clients-secret-that-is-at-least-32-chars';

/** The built all-in-one process (ingestor and query API in one) over its own chDB directory and topics. */
export interface AllInOneStack {
  /** The public listener: the API and the console. */
  publicUrl: string;
  /** The operations listener: /metrics and /health/*. */
  opsUrl: string;
  topic: string;
  app: AppProcess;
  token(organizationId: string, role?: string): Promise<string>;
  /** Publishes events to the audit topic (the app ingests them). */
  publish(events: AuditEvent[]): Promise<void>;
  alive(): boolean;
  /** HTTP status of GET /health/ready (0: no answer). */
  readiness(): Promise<number>;
  /** The Prometheus text of the operations listener. */
  metrics(): Promise<string>;
  /** Resolves once no export or verification holds a slot and no engine query of the read side runs or waits. */
  settled(): Promise<void>;
  /** What the app logged at level error or above (the broker client's own connection chatter aside), and crash or guard messages. */
  errorsLogged(): string[];
  stop(): Promise<void>;
}

/**
 * Starts `dist/apps/all-in-one` (built once per test run) as deployed: a crash of the ingestor or
 * of the query API ends this process, so `alive()` catches either. The console is served from a
 * stand-in build (a page and one asset), so `/audit` answers as it does after `npm run build`.
 */
export async function startAllInOne(env: Record<string, string> = {}): Promise<AllInOneStack> {
  buildApp('all-in-one');
  const dir = mkdtempSync(join(tmpdir(), 'audit-hostile-'));
  mkdirSync(join(dir, 'console', 'assets'), { recursive: true });
  writeFileSync(join(dir, 'console', 'index.html'), '<!doctype html><title>Auditing</title><script type="module" src="/audit/assets/app.js"></script>');
  writeFileSync(join(dir, 'console', 'assets', 'app.js'), 'export {};\n');
  const kafka = testKafka('hostile-clients');
  const { topic, dlqTopic } = await createTestTopics(kafka, 2);
  const [port, opsPort] = [await freePort(), await freePort()];
  const app = spawnApp('all-in-one', {
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '',
    CLICKHOUSE_DATA_PATH: join(dir, 'chdb'),
    CLICKHOUSE_DATABASE: uniqueName('audit_hostile'),
    AUDIT_TOPIC: topic,
    AUDIT_DLQ_TOPIC: dlqTopic,
    INGEST_GROUP_ID: uniqueName('hostile-ingestor'),
    INGEST_FLUSH_INTERVAL_MS: '200',
    AUTH_JWT_SECRET: SECRET,
    AUDIT_CHAIN_SIGNING_KEY: testSigningKey().pem,
    CONSOLE_ASSETS_DIR: join(dir, 'console'),
    HOST: '127.0.0.1',
    PORT: String(port),
    OPS_HOST: '127.0.0.1',
    OPS_PORT: String(opsPort),
    LOG_LEVEL: 'warn',
    ...env,
  });
  const publicUrl = `http://127.0.0.1:${port}`;
  const opsUrl = `http://127.0.0.1:${opsPort}`;
  const readiness = () => fetch(`${opsUrl}/health/ready`, { signal: AbortSignal.timeout(10_000) }).then((response) => response.status, () => 0);
  const metrics = async () => (await fetch(`${opsUrl}/metrics`)).text();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await waitFor(async () => (app.child.exitCode !== null ? Promise.reject(new Error(`all-in-one exited:\n${app.output.join('\n')}`)) : (await readiness()) === 200 || undefined), {
      what: 'the all-in-one process to be ready',
      timeoutMs: 120_000,
      intervalMs: 250,
    });
  } catch (error) {
    app.child.kill('SIGKILL');
    await producer.disconnect();
    throw error;
  }
  return {
    publicUrl,
    opsUrl,
    topic,
    app,
    token: (organizationId, role = 'owner') => signTestToken({ secret: SECRET, organizationId, role }),
    publish: async (events) => {
      for (let start = 0; start < events.length; start += 1_000) {
        const messages = events.slice(start, start + 1_000).map((event) => ({ key: event.organizationId, value: serializeAuditEvent(event) }));
        await producer.send({ topic, acks: -1, messages });
      }
    },
    alive: () => app.child.exitCode === null && app.child.signalCode === null,
    readiness,
    metrics,
    settled: async () => {
      await waitFor(
        async () => {
          const text = await metrics();
          return metricSum(text, 'audit_query_heavy_reads_in_flight') + metricSum(text, 'audit_query_engine_queries') === 0 || undefined;
        },
        { what: 'no export, verification or read-side query left running', timeoutMs: 60_000, intervalMs: 250 },
      );
    },
    errorsLogged: () =>
      app.output.filter((line) => (/"level":"(error|fatal)"/.test(line) && !line.includes('"logger":"kafkajs"')) || /Uncaught|Unhandled|ERR_HTTP|request-error guard/i.test(line)),
    stop: async () => {
      await producer.disconnect();
      if (app.child.exitCode === null) {
        app.child.kill('SIGTERM');
        await Promise.race([app.exited, new Promise((done) => setTimeout(done, 30_000))]);
        if (app.child.exitCode === null) app.child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
