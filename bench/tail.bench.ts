// `npm run bench -- --only tail`: the tail API's freshness and the cost of a poll at the newest end.
//
// 1. Freshness: ingestor and query API in one process (as `npm start`) on the bench broker and a
//    fresh chDB directory; events published at a steady rate (occurredAt = send time) are followed
//    by a Server-Sent Events client and by a poller (GET /tail every TAIL_BENCH_POLL_MS); each
//    event's freshness is the time it is seen minus its send time. Target: p99 <= 2 s.
// 2. The newest end of a big table: TAIL_BENCH_ROWS generated rows (one partition, offsets in
//    arrival order), one tail read of the newest 100 offsets, for every organization and for one;
//    baseline: the same read after the kafka_offset skip index is dropped (migration 0005's).
//
// Environment (all optional):
//   TAIL_BENCH_RATE      events per second published (default 1,000)
//   TAIL_BENCH_SECONDS   length of the steady run (default 60)
//   TAIL_BENCH_POLL_MS   the poller's pause once caught up (default 250)
//   TAIL_BENCH_ROWS      rows of the big table (default 20,000,000; 0 skips part 2)
//   TAIL_BENCH_SAMPLES   reads per figure of part 2 (default 50)
import 'reflect-metadata';
import { AuditEventsTailRepository, CLICKHOUSE, ClickHouseConfig, ClickHouseModule, type ClickHouseHandle } from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import { IngestConfig, IngestModule, startIngestion } from '@audit/ingest';
import { auditTopics, createKafka, ensureTopics, KafkaConfig } from '@audit/kafka';
import { QueryConfig, QueryModule } from '@audit/query';
import { signTestToken, uniqueName } from '@audit/testing';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchRow, generateAuditLog, percentile, produceSteadily, writeBenchResults, type BenchRow } from './lib';
import { timeClickHouseCalls } from './lib/clickhouse-call.timer';
import { freshnessBreakdown, type SeenEvent } from './lib/freshness-breakdown';

const RATE = Number(process.env.TAIL_BENCH_RATE ?? 1000);
const SECONDS = Number(process.env.TAIL_BENCH_SECONDS ?? 60);
const POLL_MS = Number(process.env.TAIL_BENCH_POLL_MS ?? 250);
const ROWS = Number(process.env.TAIL_BENCH_ROWS ?? 20_000_000);
const SAMPLES = Number(process.env.TAIL_BENCH_SAMPLES ?? 50);
const SECRET = randomBytes(32).toString('hex');
const FRESHNESS_TARGET_MS = 2000;

const log = (message: string) => console.log(`[tail bench] ${new Date().toISOString().slice(11, 19)} ${message}`);

interface Seen {
  occurredAt: string;
  resource: { id: string };
}

@Module({})
class BenchTailModule {}

/** Records when the SSE client reads each event (and its send time) until `signal` aborts. */
async function followStream(baseUrl: string, bearer: string, signal: AbortSignal, seen: Map<string, SeenEvent>): Promise<void> {
  const response = await fetch(`${baseUrl}/v1/audit-logs/stream`, { headers: { authorization: `Bearer ${bearer}` }, signal });
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of response.body!) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const data = buffer
          .slice(0, end)
          .split('\n')
          .find((line) => line.startsWith('data: '));
        buffer = buffer.slice(end + 2);
        if (data) record(seen, JSON.parse(data.slice(6)) as Seen);
      }
    }
  } catch {
    // Stopped at the end of the run.
  }
}

/** The published events only (the reads' own audit events arrive on the same log). */
function record(seen: Map<string, SeenEvent>, event: Seen): void {
  if (event.resource.id.startsWith('res_') && !seen.has(event.resource.id)) seen.set(event.resource.id, { publishedMs: Date.parse(event.occurredAt), seenMs: Date.now() });
}

async function followPolling(baseUrl: string, bearer: string, signal: AbortSignal, seen: Map<string, SeenEvent>): Promise<void> {
  let after = '';
  while (!signal.aborted) {
    const response = await fetch(`${baseUrl}/v1/audit-logs/tail?limit=1000${after && `&after=${encodeURIComponent(after)}`}`, { headers: { authorization: `Bearer ${bearer}` } });
    const page = (await response.json()) as { data: Seen[]; next: string; hasMore: boolean };
    for (const event of page.data) record(seen, event);
    after = page.next;
    if (!page.hasMore) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function freshness(rows: BenchRow[]): Promise<void> {
  const dataPath = mkdtempSync(join(tmpdir(), 'audit-bench-tail-'));
  const topic = uniqueName('audit.events.tail.bench').replace('_', '.');
  const env = {
    ...process.env,
    CLICKHOUSE_DATA_PATH: dataPath,
    CLICKHOUSE_DATABASE: 'audit_bench_tail',
    AUTH_JWT_SECRET: SECRET,
    AUDIT_TOPIC: topic,
    AUDIT_DLQ_TOPIC: `${topic}.dlq`,
    INGEST_GROUP_ID: uniqueName('tail-bench'),
  };
  const kafka = loadConfig(KafkaConfig, env);
  await ensureTopics(createKafka({ brokers: kafka.brokers, clientId: 'tail-bench' }), auditTopics(kafka.AUDIT_TOPIC_PARTITIONS, kafka.AUDIT_TOPIC_RETENTION_MS, { main: env.AUDIT_TOPIC, dlq: env.AUDIT_DLQ_TOPIC }));
  const app = await NestFactory.create(
    {
      module: BenchTailModule,
      imports: [ClickHouseModule.forRoot(loadConfig(ClickHouseConfig, env)), IngestModule.forRoot(loadConfig(IngestConfig, env), kafka), QueryModule.forRoot(loadConfig(QueryConfig, env), kafka)],
    },
    { logger: ['error', 'warn'] },
  );
  const clickhouse = app.get<ClickHouseHandle>(CLICKHOUSE);
  // Merges would keep only each organization's newest head; the breakdown needs every block's.
  await clickhouse.client.command({ query: `SYSTEM STOP MERGES ${env.CLICKHOUSE_DATABASE}.audit_chain_heads` });
  const timer = timeClickHouseCalls(clickhouse);
  await startIngestion(app);
  await app.listen(0, '127.0.0.1');
  const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const bearer = await signTestToken({ secret: SECRET, organizationId: 'org_bench_security', role: 'security', email: 'bench@example.com', subject: 'bench_tail', expiresIn: '2h' });
  const stop = new AbortController();
  const streamed = new Map<string, SeenEvent>();
  const polled = new Map<string, SeenEvent>();
  const followers = [followStream(baseUrl, bearer, stop.signal, streamed), followPolling(baseUrl, bearer, stop.signal, polled)];
  // Both followers start at the newest position before anything is published.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  log(`publishing ${RATE}/s for ${SECONDS} s`);
  const took = await produceSteadily(env.AUDIT_TOPIC, RATE, SECONDS);
  const published = Math.round(RATE * SECONDS);
  const deadline = Date.now() + 60_000;
  while ((streamed.size < published || polled.size < published) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  stop.abort();
  await Promise.allSettled(followers);
  for (const line of timer.summary()) log(`ClickHouse: ${line}`);
  const legs = await freshnessBreakdown(clickhouse.client, env.CLICKHOUSE_DATABASE, topic, [streamed, polled]);
  await app.close();
  rmSync(dataPath, { recursive: true, force: true });
  // The heads' merges are stopped for the whole run (see above): reads of the horizon open more parts than a deployment's would.
  const config = { rate: RATE, seconds: SECONDS, publishSeconds: Math.round(took), pollMs: POLL_MS, published, streamed: streamed.size, polled: polled.size, headsMergesStopped: true };
  log(`seen by the stream ${streamed.size}, by the poller ${polled.size} of ${published}`);
  for (const [name, seen, leg] of [
    ['tail freshness, SSE stream', streamed, legs[0]],
    ['tail freshness, poller', polled, legs[1]],
  ] as const) {
    const values = [...seen.values()].map(({ publishedMs, seenMs }) => seenMs - publishedMs);
    log(`${name}: publish → stored p50/p99 ${leg.stored.join('/')} ms, stored → readable ${leg.visible.join('/')} ms, readable → seen ${leg.sent.join('/')} ms`);
    for (const [part, [p50, p99]] of [['publish → stored', leg.stored], ['stored → readable by the tail', leg.visible], ['readable → seen', leg.sent]] as const) {
      rows.push(benchRow({ name: `${name}, of which ${part} p50`, value: p50, unit: 'ms', config }));
      rows.push(benchRow({ name: `${name}, of which ${part} p99`, value: p99, unit: 'ms', config }));
    }
    rows.push(benchRow({ name: `${name} p50`, value: percentile(values, 50), unit: 'ms', config }));
    rows.push(benchRow({ name: `${name} p99`, value: percentile(values, 99), unit: 'ms', target: { max: FRESHNESS_TARGET_MS }, config }));
    rows.push(benchRow({ name: `${name}: events seen of published`, value: seen.size / published, unit: 'ratio', target: { min: 1 }, config }));
  }
}

async function timeReads(tail: AuditEventsTailRepository, scope: { organizationId: string } | 'all', newest: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const started = performance.now();
    await tail.read(scope, {}, new Map([[0, newest - 100]]), new Map([[0, newest]]), 100);
    times.push(performance.now() - started);
  }
  return percentile(times, 50);
}

async function newestEnd(rows: BenchRow[]): Promise<void> {
  const dataPath = mkdtempSync(join(tmpdir(), 'audit-bench-tail-big-'));
  const env = { ...process.env, CLICKHOUSE_DATA_PATH: dataPath, CLICKHOUSE_DATABASE: 'audit_bench_tail_big' };
  const app = await NestFactory.createApplicationContext({ module: BenchTailModule, imports: [ClickHouseModule.forRoot(loadConfig(ClickHouseConfig, env))] }, { logger: ['error', 'warn'] });
  const handle = app.get<ClickHouseHandle>(CLICKHOUSE);
  try {
    await generateAuditLog(handle, env.CLICKHOUSE_DATABASE, { rows: ROWS, organizations: 1000, now: new Date().toISOString().slice(0, 23).replace('T', ' '), optimize: true, log });
    // The generated rows carry no topic: the repository reads topic ''.
    const tail = new AuditEventsTailRepository(handle.client, env.CLICKHOUSE_DATABASE, '');
    const config = { rows: ROWS, samples: SAMPLES, read: 'newest 100 offsets of one partition' };
    const measured: Array<[string, { organizationId: string } | 'all']> = [
      ['every organization (security role)', 'all'],
      ['one organization (org_0, ~10 % of rows)', { organizationId: 'org_0' }],
    ];
    const withIndex = new Map<string, number>();
    for (const [name, scope] of measured) withIndex.set(name, await timeReads(tail, scope, ROWS));
    await handle.client.command({ query: `ALTER TABLE ${env.CLICKHOUSE_DATABASE}.audit_events DROP INDEX idx_kafka_offset` });
    for (const [name, scope] of measured) {
      const without = await timeReads(tail, scope, ROWS);
      rows.push(
        benchRow({
          name: `tail read at the newest end of ${ROWS.toLocaleString('en')} rows, ${name}, p50`,
          value: withIndex.get(name) as number,
          unit: 'ms',
          baseline: { name: 'the same read without the kafka_offset skip index', value: without },
          target: { maxRatio: 0.5 },
          config,
        }),
      );
    }
  } finally {
    await app.close();
    rmSync(dataPath, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rows: BenchRow[] = [];
  await freshness(rows);
  if (ROWS > 0) await newestEnd(rows);
  console.table(rows.map(({ config: _config, ...row }) => row));
  log(`results: ${writeBenchResults('tail', rows)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
