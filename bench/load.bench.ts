// `npm run bench -- --only load`: the built query API (dist/apps/query-api in a process of its own,
// as deployed: JWT check, JSON request log, metrics, the read's own audit event sent to Kafka) over
// a generated audit log on chDB, held at LOAD_CONNECTIONS concurrent connections for LOAD_SECONDS
// by autocannon (in this process) on first-page queries; baseline: the same mix on one connection.
//
// Environment (all optional):
//   LOAD_BENCH_ROWS      rows generated (default 5,000,000; 1,000 organizations, skewed as in the query bench)
//   LOAD_CONNECTIONS     concurrent connections (default 200)
//   LOAD_SECONDS         length of the loaded run (default 60)
//   LOAD_UNCACHED_SECONDS length of the same load with the read cache off (QUERY_CACHE_MS=0; default 20, 0 skips)
//   LOAD_NO_ACK_SECONDS  length of the same load served without waiting for each read's audit event to be
//                        acknowledged (QUERY_AUDIT_WAIT_FOR_ACK=false, the behaviour before; default LOAD_SECONDS, 0 skips)
//   LOAD_BENCH_DATA      chDB data directory, reused when it already holds the same rows (default .data/bench-load)
import 'reflect-metadata';
import { AuditEventsReadRepository, createClickHouseClient, runMigrations } from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import { auditTopics, createKafka, ensureTopics, KafkaConfig } from '@audit/kafka';
import { QueryConfig } from '@audit/query';
import { signTestToken } from '@audit/testing';
import autocannon from 'autocannon';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import {
  benchRow,
  freePort,
  GENERATED_ACTIONS,
  GENERATED_RESOURCE_TYPES,
  generateAuditLog,
  metricSum,
  processMemoryMb,
  startBuiltApp,
  stopBuiltApp,
  writeBenchResults,
} from './lib';

const ROWS = Number(process.env.LOAD_BENCH_ROWS ?? 5_000_000);
const ORGS = 1000;
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 200);
const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const UNCACHED_SECONDS = Number(process.env.LOAD_UNCACHED_SECONDS ?? 20);
const NO_ACK_SECONDS = Number(process.env.LOAD_NO_ACK_SECONDS ?? SECONDS);
const DATA_PATH = resolve(process.env.LOAD_BENCH_DATA ?? '.data/bench-load');
const DATABASE = 'audit_load';
const SECRET = randomBytes(32).toString('hex');

const log = (message: string) => console.log(`[load bench] ${new Date().toISOString().slice(11, 19)} ${message}`);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Generates the history, then measures the engine alone: the first-page query of the mix through
 * the read repository, 8 at a time, in this process (no HTTP, no auth). Closes the data directory
 * after: chDB lets one process at a time hold it.
 */
async function prepareData(): Promise<{ queriesPerSecond: number; concurrency: number }> {
  mkdirSync(DATA_PATH, { recursive: true });
  const handle = createClickHouseClient({ dataPath: DATA_PATH });
  try {
    await runMigrations(handle.client, { database: DATABASE, retentionDays: 2192, topology: 'single' });
    const now = new Date().toISOString().slice(0, 23).replace('T', ' ');
    await generateAuditLog(handle, DATABASE, { rows: ROWS, organizations: ORGS, now, optimize: true, log });
    const events = new AuditEventsReadRepository(handle.client, DATABASE);
    const window = { from: new Date(Date.now() - 30 * 86_400_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() };
    const page = (i: number) => events.findPage({ organizationId: `org_${i % 20}` }, window, { limit: 50 });
    for (let i = 0; i < 20; i++) await page(i);
    const concurrency = 8;
    let done = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (performance.now() - started < 5000) await page(done++);
    }));
    return { queriesPerSecond: done / ((performance.now() - started) / 1000), concurrency };
  } finally {
    await handle.client.close();
  }
}

/** The built app, as `npx nx serve query-api` runs it, on the generated data. */
async function startApp(port: number, opsPort: number, extraEnv: Record<string, string> = {}): Promise<ChildProcess> {
  const kafka = loadConfig(KafkaConfig);
  // Reads are recorded to the audit topic: it must exist (the broker does not auto-create topics).
  await ensureTopics(createKafka({ brokers: kafka.brokers, clientId: 'load-bench' }), auditTopics(kafka.AUDIT_TOPIC_PARTITIONS, kafka.AUDIT_TOPIC_RETENTION_MS));
  const env = { CLICKHOUSE_DATA_PATH: DATA_PATH, CLICKHOUSE_DATABASE: DATABASE, AUTH_JWT_SECRET: SECRET, PORT: String(port), HOST: '127.0.0.1', OPS_PORT: String(opsPort), ...extraEnv };
  return startBuiltApp('query-api', env, `http://127.0.0.1:${opsPort}/health/ready`);
}

/** The read cache's settings the app ran with: its defaults unless this process's environment sets them. */
function readCacheSettings(): Record<string, number> {
  const defaults = new QueryConfig();
  return Object.fromEntries(
    (['QUERY_CACHE_MS', 'QUERY_CACHE_STALE_MS', 'QUERY_CACHE_REFRESH_WAIT_MS'] as const).map((name) => [name, Number(process.env[name] ?? defaults[name])]),
  );
}

interface MixEntry {
  path: string;
  authorization: string;
}

/**
 * 100 first-page requests an Auditing tab would send, cycled: admins of the 20 largest
 * organizations (org_0 holds ~10 % of all rows), 60 % without filters, the rest with resource
 * types, a status, an action or a user.
 */
async function requestMix(): Promise<MixEntry[]> {
  const entries: MixEntry[] = [];
  for (let i = 0; i < 100; i++) {
    const org = `org_${i % 20}`;
    const token = await signTestToken({ secret: SECRET, organizationId: org, role: 'admin', email: `admin@${org}.example`, subject: `load_admin_${i % 20}`, expiresIn: '2h' });
    const filters = [
      '',
      '',
      '',
      '',
      '',
      '',
      `&resourceType=${GENERATED_RESOURCE_TYPES[i % 8]}&resourceType=${GENERATED_RESOURCE_TYPES[(i + 3) % 8]}`,
      '&status=failure',
      `&action=${GENERATED_ACTIONS[i % 10]}`,
      `&actor=${encodeURIComponent(`u${i % 200}@${org}.example`)}`,
    ][i % 10];
    entries.push({ path: `/v1/audit-logs?limit=50${filters}`, authorization: `Bearer ${token}` });
  }
  return entries;
}

/** Requests the API refuses after the token check and validation (`limit=0`): its ceiling without ClickHouse. */
function noQueryMix(mix: MixEntry[]): MixEntry[] {
  return mix.map((entry) => ({ ...entry, path: '/v1/audit-logs?limit=0' }));
}

function run(port: number, mix: MixEntry[], connections: number, seconds: number): Promise<autocannon.Result> {
  let next = 0;
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          const entry = mix[next++ % mix.length];
          return { ...request, path: entry.path, headers: { authorization: entry.authorization } };
        },
      },
    ],
  });
}

const CACHE_OUTCOMES = ['fresh', 'stale', 'coalesced', 'miss'] as const;
type CacheOutcome = (typeof CACHE_OUTCOMES)[number];

interface ServerSample {
  handlerSeconds: number;
  handled: number;
  /** Handled within 1 s (server side, from the request-duration histogram). */
  handledWithin1s: number;
  cpuSeconds: number;
  eventLoopLagP99: number;
  /** Page reads by how the read cache answered them. */
  cache: Record<CacheOutcome, number>;
}

/** The server's own metrics, from its operations listener. */
async function serverSample(opsPort: number): Promise<ServerSample> {
  const text = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
  const route = 'route="/v1/audit-logs"';
  return {
    handlerSeconds: metricSum(text, 'audit_http_request_duration_seconds_sum', route),
    handledWithin1s: metricSum(text, 'audit_http_request_duration_seconds_bucket', ['le="1"', route]),
    handled: metricSum(text, 'audit_http_request_duration_seconds_count', route),
    cpuSeconds: metricSum(text, 'process_cpu_seconds_total'),
    eventLoopLagP99: metricSum(text, 'nodejs_eventloop_lag_p99_seconds'),
    cache: Object.fromEntries(
      CACHE_OUTCOMES.map((outcome) => [outcome, metricSum(text, 'audit_query_cache_reads_total', ['endpoint="list"', `outcome="${outcome}"`])]),
    ) as Record<CacheOutcome, number>,
  };
}

interface Measured {
  result: autocannon.Result;
  meanHandlerMs: number;
  cpuMsPerRequest: number;
  cores: number;
  eventLoopLagP99Ms: number;
  /** Requests the server took more than 1 s to answer (its own request-duration histogram). */
  slowerThan1s: number;
  /** Share of the run's page reads per cache outcome. */
  cacheShares: Record<CacheOutcome, number>;
}

/**
 * Runs `load` and reads the server's own metrics around it. Autocannon stops with requests still
 * queued in the server: the after-sample waits until the handled count stops moving, so CPU and
 * handler time cover every request of the run.
 */
async function measured(opsPort: number, load: () => Promise<autocannon.Result>): Promise<Measured> {
  const before = await serverSample(opsPort);
  const result = await load();
  let after = await serverSample(opsPort);
  // prom-client resets its event-loop histogram at each scrape: the first one after the run covers the run.
  const eventLoopLagP99Ms = after.eventLoopLagP99 * 1000;
  for (let stable = 0, waited = 0; stable < 2 && waited < 60; waited++) {
    await sleep(500);
    const next = await serverSample(opsPort);
    stable = next.handled === after.handled ? stable + 1 : 0;
    after = next;
  }
  const handled = after.handled - before.handled;
  const slowerThan1s = handled - (after.handledWithin1s - before.handledWithin1s);
  const reads = CACHE_OUTCOMES.reduce((sum, outcome) => sum + after.cache[outcome] - before.cache[outcome], 0);
  const cacheShares = Object.fromEntries(
    CACHE_OUTCOMES.map((outcome) => [outcome, reads === 0 ? 0 : Math.round(((after.cache[outcome] - before.cache[outcome]) / reads) * 1000) / 1000]),
  ) as Record<CacheOutcome, number>;
  return {
    slowerThan1s,
    cacheShares,
    result,
    meanHandlerMs: ((after.handlerSeconds - before.handlerSeconds) / handled) * 1000,
    cpuMsPerRequest: ((after.cpuSeconds - before.cpuSeconds) / handled) * 1000,
    cores: (after.cpuSeconds - before.cpuSeconds) / result.duration,
    eventLoopLagP99Ms,
  };
}

async function main(): Promise<void> {
  log(`preparing ${ROWS.toLocaleString('en')} rows in ${DATA_PATH}`);
  const engine = await prepareData();
  log(`engine alone: ${Math.round(engine.queriesPerSecond)} first-page queries/s at ${engine.concurrency} concurrent`);
  const [port, opsPort] = [await freePort(), await freePort()];
  let app = await startApp(port, opsPort);
  try {
    const mix = await requestMix();
    log(`no-query ceiling: ${CONNECTIONS} connections for 10 s on limit=0 (token check, validation, 400)`);
    const noQuery = await measured(opsPort, () => run(port, noQueryMix(mix), CONNECTIONS, 10));
    // A service under steady load has answered its hot reads before: warm up, then measure at once.
    log('warm-up: 5 s at 10 connections');
    await run(port, mix, 10, 5);
    log('baseline: the same mix on 1 connection for 10 s');
    const single = await run(port, mix, 1, 10);
    log(`loaded: ${CONNECTIONS} connections for ${SECONDS} s`);
    const loaded = await measured(opsPort, () => run(port, mix, CONNECTIONS, SECONDS));
    const { result } = loaded;
    log(
      `${Math.round(result.requests.average)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, errors ${result.errors} (timeouts ${result.timeouts}), non-2xx ${result.non2xx}, max ${result.latency.max} ms; ` +
        `server: mean handler ${loaded.meanHandlerMs.toFixed(1)} ms, ${loaded.cpuMsPerRequest.toFixed(1)} ms CPU per request ` +
        `(no-query: ${noQuery.cpuMsPerRequest.toFixed(1)}), ${loaded.cores.toFixed(2)} cores busy, event-loop lag p99 ${loaded.eventLoopLagP99Ms.toFixed(1)} ms; ` +
        `page reads ${JSON.stringify(loaded.cacheShares)}; server-side > 1 s: ${loaded.slowerThan1s}`,
    );
    /** The same load on a fresh app with other settings (briefly warmed up). */
    const loadWith = async (what: string, env: Record<string, string>, seconds: number): Promise<Measured> => {
      await stopBuiltApp(app);
      app = await startApp(port, opsPort, env);
      await run(port, mix, 10, 3);
      log(`${what}: ${CONNECTIONS} connections for ${seconds} s`);
      const other = await measured(opsPort, () => run(port, mix, CONNECTIONS, seconds));
      const o = other.result;
      log(`${what}: ${Math.round(o.requests.average)} req/s, p50 ${o.latency.p50} ms, p99 ${o.latency.p99} ms, errors ${o.errors}, non-2xx ${o.non2xx}`);
      return other;
    };
    // The previous behaviour: each read served once its audit event is accepted into the producer's
    // buffer, not acknowledged by the broker. The difference is what the acknowledgement costs.
    const noAck = NO_ACK_SECONDS > 0 ? await loadWith('audit event not awaited (QUERY_AUDIT_WAIT_FOR_ACK=false)', { QUERY_AUDIT_WAIT_FOR_ACK: 'false' }, NO_ACK_SECONDS) : undefined;
    // The same load with the read cache off: every request a query of its own (what distinct reads get).
    const uncached = UNCACHED_SECONDS > 0 ? await loadWith('read cache off (QUERY_CACHE_MS=0)', { QUERY_CACHE_MS: '0' }, UNCACHED_SECONDS) : undefined;
    const config = {
      rows: ROWS,
      organizations: ORGS,
      connections: CONNECTIONS,
      seconds: SECONDS,
      requests: result.requests.total,
      mix: '100 first pages (limit=50) of admins of the 20 largest orgs: 60 % unfiltered, 40 % resourceType / status / action / actor',
      app: 'dist/apps/query-api (own process, chDB, pino request logs, audit event per read acknowledged before the answer)',
      statusCodes: result.statusCodeStats,
      timeouts: result.timeouts,
      latencyMs: { p90: result.latency.p90, p97_5: result.latency.p97_5, p99: result.latency.p99, max: result.latency.max },
      serverMeanHandlerMs: Math.round(loaded.meanHandlerMs * 10) / 10,
      serverCpuCores: Math.round(loaded.cores * 100) / 100,
      serverEventLoopLagP99Ms: Math.round(loaded.eventLoopLagP99Ms * 10) / 10,
      readCache: { ...readCacheSettings(), pageReads: loaded.cacheShares },
      serverPeakRssMb: Math.round(processMemoryMb(app.pid!).peakRss),
      loadAverage: loadavg().map((n) => Math.round(n * 10) / 10),
    };
    const baselineName = (what: string) => `${what}, same mix on 1 connection`;
    const at = `at ${CONNECTIONS} connections`;
    writeBenchResults('load', [
      benchRow({ name: `first pages ${at}: throughput`, value: result.requests.average, unit: 'req/s', baseline: { name: baselineName('req/s'), value: single.requests.average }, config }),
      benchRow({ name: `first pages ${at}: p50`, value: result.latency.p50, unit: 'ms', baseline: { name: baselineName('p50'), value: single.latency.p50 }, config }),
      benchRow({ name: `first pages ${at}: p99`, value: result.latency.p99, unit: 'ms', baseline: { name: baselineName('p99'), value: single.latency.p99 }, target: { max: 250 }, config }),
      ...(uncached
        ? [
            benchRow({
              name: `first pages ${at}: p99 with the read cache`,
              value: result.latency.p99,
              unit: 'ms',
              baseline: { name: `p99 with the read cache off (QUERY_CACHE_MS=0, ${UNCACHED_SECONDS} s)`, value: uncached.result.latency.p99 },
              target: { max: 250 },
              config: { ...config, uncached: { requestsPerSecond: uncached.result.requests.average, p50: uncached.result.latency.p50, errors: uncached.result.errors, non2xx: uncached.result.non2xx } },
            }),
            benchRow({
              name: `first pages ${at}: throughput with the read cache`,
              value: result.requests.average,
              unit: 'req/s',
              baseline: { name: 'req/s with the read cache off', value: uncached.result.requests.average },
              config,
            }),
          ]
        : []),
      ...(noAck
        ? (['p50', 'p99'] as const)
            .map((percentile) =>
              benchRow({
                name: `first pages ${at}: ${percentile} with each read's audit event acknowledged before the answer`,
                value: result.latency[percentile],
                unit: 'ms',
                baseline: { name: `${percentile} with the event only accepted into the producer's buffer (QUERY_AUDIT_WAIT_FOR_ACK=false, ${NO_ACK_SECONDS} s)`, value: noAck.result.latency[percentile] },
                config: { ...config, noAck: { requestsPerSecond: noAck.result.requests.average, errors: noAck.result.errors, non2xx: noAck.result.non2xx } },
              }),
            )
            .concat(
              benchRow({
                name: `first pages ${at}: throughput with each read's audit event acknowledged before the answer`,
                value: result.requests.average,
                unit: 'req/s',
                baseline: { name: 'req/s with the event only accepted (QUERY_AUDIT_WAIT_FOR_ACK=false)', value: noAck.result.requests.average },
                config,
              }),
            )
        : []),
      benchRow({ name: `first pages ${at}: errors (incl. timeouts)`, value: result.errors, unit: 'requests', target: { max: 0 }, config }),
      benchRow({ name: `first pages ${at}: non-2xx responses`, value: result.non2xx, unit: 'requests', target: { max: 0 }, config }),
      benchRow({
        name: `first pages ${at}: throughput vs the engine alone`,
        value: result.requests.average,
        unit: 'req/s',
        baseline: { name: `chDB first-page queries/s, in process, ${engine.concurrency} concurrent, no HTTP`, value: engine.queriesPerSecond },
        config,
      }),
      benchRow({
        name: 'server CPU per first-page request (process, chDB included)',
        value: loaded.cpuMsPerRequest,
        unit: 'ms',
        baseline: { name: 'server CPU per request refused after token check and validation (no query)', value: noQuery.cpuMsPerRequest },
        config,
      }),
      benchRow({
        name: `HTTP ceiling ${at}: token check + validation, no query (400)`,
        value: noQuery.result.requests.average,
        unit: 'req/s',
        baseline: { name: `throughput that p99 <= 250 ms needs ${at} (Little's law, lower bound)`, value: CONNECTIONS / 0.25 },
        config: { ...config, p99Ms: noQuery.result.latency.p99, statusCodes: noQuery.result.statusCodeStats },
      }),
    ]);
  } finally {
    await stopBuiltApp(app);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
