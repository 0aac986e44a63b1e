// Ingest throughput and freshness, with the pipeline's own limits measured in the same run:
// - end to end: a backlog of N events on the topic → every one queryable in ClickHouse, through
//   IngestModule and its batching transport (validation, dead-letter check, insert, commit);
// - raw kafkajs consumption of the same messages (eachBatch, no processing);
// - raw ClickHouse insert of the same rows (the ingester's chained JSONEachRow bodies, through its writer);
// - the contract's parseAuditEventMessage cost per message (the ingestor's hot path);
// - what the hash chain, the encoder thread and the projection topic (outbound streams) each cost;
// - freshness (publish → stored) at a steady 10,000 events/s.
// Run with `npm run bench -- --only ingest` (broker started by scripts/bench.mjs).
import 'reflect-metadata';
import {
  AuditEventsWriteRepository,
  CLICKHOUSE,
  ClickHouseConfig,
  ClickHouseModule,
  createClickHouseClient,
  defaultMigrationsDir,
  runMigrations,
  type ClickHouseHandle,
} from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import { encodeBlock, IngestConfig, IngestModule, packValues, startIngestion } from '@audit/ingest';
import { GENESIS } from '@audit/integrity';
import { KafkaConfig, createKafka, ensureTopics } from '@audit/kafka';
import { generatedEvent, toMessage } from '@audit/testing';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Kafka, Message } from 'kafkajs';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchRow, percentile, writeBenchResults, type BenchRow } from './lib';

const EVENTS = Number(process.env.BENCH_INGEST_EVENTS ?? 200_000);
const PARTITIONS = 6;
const STEADY_RATE = 10_000;
const STEADY_SECONDS = Number(process.env.BENCH_INGEST_STEADY_SECONDS ?? 20);
const BLOCK_ROWS = 50_000;
const suffix = randomBytes(4).toString('hex');
const log = (message: string) => console.log(`[ingest bench] ${message}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function message(index: number, occurredAt = new Date(Date.now() - 3_600_000 + index).toISOString()): Message {
  return toMessage(generatedEvent(index, { occurredAt }));
}

async function produce(kafka: Kafka, topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let start = 0; start < messages.length; start += 5000) {
    await producer.send({ topic, acks: -1, messages: messages.slice(start, start + 5000) });
  }
  await producer.disconnect();
}

/** Raw kafkajs: eachBatch, resolve, nothing else. Clock from group join to the last message. */
async function rawConsume(kafka: Kafka, topic: string): Promise<{ perSecond: number; values: Buffer[]; keys: string[] }> {
  const consumer = kafka.consumer({ groupId: `bench-raw-${suffix}`, maxBytes: 16 * 1024 * 1024, maxBytesPerPartition: 4 * 1024 * 1024 });
  const values: Buffer[] = [];
  const keys: string[] = [];
  let joinedAt = 0;
  let doneAt = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => (joinedAt = performance.now()));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const { key, value } of batch.messages) {
        keys.push(key!.toString());
        values.push(value!);
      }
      if (values.length >= EVENTS && !doneAt) doneAt = performance.now();
    },
  });
  while (!doneAt) await sleep(5);
  await consumer.disconnect();
  return { perSecond: EVENTS / ((doneAt - joinedAt) / 1000), values, keys };
}

/** The migrations before `version`, in a folder of their own: the table as it was before that migration. */
function migrationsBefore(version: number): string {
  const directory = mkdtempSync(join(tmpdir(), 'audit-migrations-'));
  for (const file of readdirSync(defaultMigrationsDir())) if (Number(file.slice(0, 4)) < version) copyFileSync(join(defaultMigrationsDir(), file), join(directory, file));
  return directory;
}

/**
 * The table as migrated, and as it was before 0006 (the investigations' entries written by a
 * materialized view), before 0004 (the retention gate in the TTL) and before 0003 (the content digest).
 */
const RAW_VARIANTS = ['current', 'withoutKeys', 'withoutGate', 'withoutDigest'] as const;
type RawVariant = (typeof RAW_VARIANTS)[number];

/**
 * Raw insert of the same rows, pre-serialized, in blocks of the ingestor's default size, into each
 * variant of the table in turn (best of 3 each, a fresh database per round): what computing the
 * content digest (0003), evaluating the retention gate's TTL (0004) and entering the investigated
 * keys (0006) at insert cost. chDB runs in this process, so its CPU time per row (`cpuMicros`,
 * lowest of the 3) is the engine's work, which the shared machine's load distorts less than the wall time.
 */
async function rawInsert(
  dataPath: string,
  bodies: Buffer[],
  rows: number,
): Promise<Record<RawVariant, number> & { cpuMicros: Record<RawVariant, number>; storedBytesPerRow: { digest: number; table: number; keys: number } }> {
  const handle = createClickHouseClient({ dataPath });
  const directories = { current: undefined, withoutKeys: migrationsBefore(6), withoutGate: migrationsBefore(4), withoutDigest: migrationsBefore(3) };
  const best = { current: 0, withoutKeys: 0, withoutGate: 0, withoutDigest: 0 };
  const cpuMicros = { current: Infinity, withoutKeys: Infinity, withoutGate: Infinity, withoutDigest: Infinity };
  try {
    for (let round = 0; round < 3 * RAW_VARIANTS.length; round++) {
      const variant = RAW_VARIANTS[round % RAW_VARIANTS.length];
      const database = `bench_raw_${suffix}_${round}`;
      const directory = directories[variant];
      await runMigrations(handle.client, { database, retentionDays: 2192, topology: 'single', ...(directory && { directory }) });
      const writer = new AuditEventsWriteRepository(handle.client, database, handle.chdb);
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      for (const [index, body] of bodies.entries()) await writer.insertJsonEachRow(body, { deduplicationToken: `raw:${index}` });
      best[variant] = Math.max(best[variant], rows / ((performance.now() - started) / 1000));
      const cpu = process.cpuUsage(cpuBefore);
      cpuMicros[variant] = Math.min(cpuMicros[variant], (cpu.user + cpu.system) / rows);
    }
    // What the digest adds on disk (SHA-256 does not compress), against the whole row as stored; and the entries beside it.
    const result = await handle.client.query({
      query: `SELECT sumIf(data_compressed_bytes, table = 'audit_events' AND name = 'content_digest') AS digest,
                     sumIf(data_compressed_bytes, table = 'audit_events') AS total, sumIf(data_compressed_bytes, table = 'audit_event_keys') AS keys
              FROM system.columns WHERE database = {database:String} AND table IN ('audit_events', 'audit_event_keys')`,
      query_params: { database: `bench_raw_${suffix}_0` },
      format: 'JSONEachRow',
    });
    const [bytes] = await result.json<{ digest: string; total: string; keys: string }>();
    return { ...best, cpuMicros, storedBytesPerRow: { digest: Number(bytes.digest) / rows, table: Number(bytes.total) / rows, keys: Number(bytes.keys) / rows } };
  } finally {
    await handle.client.close();
    for (const directory of Object.values(directories)) if (directory) rmSync(directory, { recursive: true, force: true });
  }
}

/** A pipeline variant: the hash chain, the encoder thread (`mainThread`: INGEST_ENCODER_THREADS=0) and the projection topic. */
interface Variant {
  chained: boolean;
  mainThread: boolean;
  stored: boolean;
}

const DEFAULT_VARIANT: Variant = { chained: true, mainThread: false, stored: true };

/** An ingestor app on its own database and group, started; resolves once the backlog is stored. */
async function endToEnd(topic: string, dataPath: string, variant: Variant, run: number) {
  const database = `bench_e2e_${suffix}_${run}`;
  const app = await NestFactory.create(
    BenchIngestModule.of({
      ...process.env,
      CLICKHOUSE_DATA_PATH: dataPath,
      CLICKHOUSE_DATABASE: database,
      AUDIT_TOPIC: topic,
      AUDIT_DLQ_TOPIC: `${topic}.dlq`,
      INGEST_GROUP_ID: `bench-ingest-${suffix}-${run}`,
      AUDIT_STORED_TOPIC: `${topic}.stored`,
      INGEST_HASH_CHAIN: String(variant.chained),
      INGEST_PUBLISH_STORED: String(variant.stored),
      ...(variant.mainThread && { INGEST_ENCODER_THREADS: '0' }),
    }),
    { logger: ['error', 'warn'] },
  );
  const count = async () => {
    const result = await app.get<ClickHouseHandle>(CLICKHOUSE).client.query({ query: `SELECT count() AS n FROM ${database}.audit_events`, format: 'JSONEachRow' });
    return Number((await result.json<{ n: string }>())[0].n);
  };
  const transport = await startIngestion(app);
  await app.init();
  while (!transport.isReady()) await sleep(5);
  const started = performance.now();
  const loopBefore = performance.eventLoopUtilization();
  const cpuBefore = process.cpuUsage();
  while ((await count()) < EVENTS) await sleep(50);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    app,
    database,
    count,
    perSecond: EVENTS / seconds,
    flushes: transport.stats().flushes,
    // How busy the event loop (kafkajs, parsing, encoding) was, and the process's CPU over all its threads, in cores.
    mainThreadBusy: performance.eventLoopUtilization(loopBefore).utilization,
    cores: (cpu.user + cpu.system) / 1e6 / seconds,
  };
}

@Module({})
class BenchIngestModule {
  static of(env: Record<string, string | undefined>): DynamicModule {
    return {
      module: BenchIngestModule,
      imports: [ClickHouseModule.forRoot(loadConfig(ClickHouseConfig, env)), IngestModule.forRoot(loadConfig(IngestConfig, env), loadConfig(KafkaConfig, env))],
    };
  }
}

async function main(): Promise<void> {
  const kafka = createKafka({ brokers: loadConfig(KafkaConfig).brokers, clientId: 'bench-ingest' });
  const topic = `audit.bench.${suffix}`;
  const dataPath = mkdtempSync(join(tmpdir(), 'audit-bench-ingest-'));
  await ensureTopics(kafka, [
    { topic, numPartitions: PARTITIONS, retentionMs: 3_600_000 },
    { topic: `${topic}.dlq`, numPartitions: 1, retentionMs: 3_600_000 },
    { topic: `${topic}.stored`, numPartitions: PARTITIONS, retentionMs: 3_600_000 },
  ]);
  try {
    log(`producing ${EVENTS.toLocaleString('en')} events to ${topic} (${PARTITIONS} partitions)`);
    await produce(kafka, topic, Array.from({ length: EVENTS }, (_, index) => message(index)));

    const consumed = await rawConsume(kafka, topic);
    log(`raw kafkajs consumption: ${Math.round(consumed.perSecond)} events/s`);

    // The encoder thread's own work (encodeBlock: parse, validate, chain, the JSONEachRow body), in
    // blocks of the ingester's size, without and with the chain. The chained bodies are the raw
    // insert's rows: the same rows, in the same format (JSONEachRow), as the ingester inserts.
    const encodeAll = (chained: boolean) => {
      const bodies: Buffer[] = [];
      const started = performance.now();
      for (let start = 0; start < EVENTS; start += BLOCK_ROWS) {
        const keys = consumed.keys.slice(start, start + BLOCK_ROWS);
        const organizations = [...new Set(keys)];
        const encoded = encodeBlock({
          topic,
          partition: 0,
          ...packValues(consumed.values.slice(start, start + BLOCK_ROWS)),
          keys,
          offsets: keys.map((_, index) => String(start + index)),
          now: Date.now(),
          before: chained ? new Map(organizations.map((organization) => [organization, GENESIS])) : undefined,
          retentionDays: new Map(organizations.map((organization) => [organization, 2192])),
        });
        if (encoded.letters.length > 0) throw new Error(`bench events are invalid: ${JSON.stringify(encoded.letters[0])}`);
        bodies.push(Buffer.from(encoded.body.buffer, encoded.body.byteOffset, encoded.body.byteLength));
      }
      return { micros: ((performance.now() - started) * 1000) / EVENTS, bodies };
    };
    const parseMicros = encodeAll(false).micros;
    log(`parse + row encoding: ${parseMicros.toFixed(2)} µs/event`);
    const chainedBlocks = encodeAll(true);
    const parseLinkMicros = chainedBlocks.micros;
    log(`parse + row encoding + chain link: ${parseLinkMicros.toFixed(2)} µs/event`);

    const raw = await rawInsert(dataPath, chainedBlocks.bodies, EVENTS);
    const inserted = raw.current;
    log(
      `raw ClickHouse insert: ${Math.round(inserted)} rows/s (without the investigations' entries: ${Math.round(raw.withoutKeys)}, without the retention gate either: ${Math.round(raw.withoutGate)}, without the content digest either: ${Math.round(raw.withoutDigest)} rows/s; CPU ${raw.cpuMicros.current.toFixed(1)} µs/row, ${raw.cpuMicros.withoutKeys.toFixed(1)} without the entries); ` +
        `stored ${raw.storedBytesPerRow.table.toFixed(1)} bytes/row, ${raw.storedBytesPerRow.digest.toFixed(1)} of them the digest, and ${raw.storedBytesPerRow.keys.toFixed(1)} in the entries`,
    );

    // With and without the hash chain, alternating (the machine's noise hits both alike), best of each.
    // And the chained pipeline with its encoding on the main thread (INGEST_ENCODER_THREADS=0), to
    // show what the encoder thread brings, and without the projection topic (INGEST_PUBLISH_STORED=false),
    // to show what publishing the stored rows for outbound streams costs.
    const variants: Variant[] = [
      { chained: false, mainThread: false, stored: false },
      DEFAULT_VARIANT,
      { chained: true, mainThread: true, stored: true },
      { chained: true, mainThread: false, stored: false },
    ];
    const runs: Array<Variant & { perSecond: number }> = [];
    for (const variant of [...variants, ...variants]) {
      const run = await endToEnd(topic, dataPath, variant, runs.length);
      runs.push({ ...variant, perSecond: run.perSecond });
      log(
        `end to end, chain ${variant.chained ? 'on' : 'off'}${variant.mainThread ? ', encoding on the main thread' : ''}, projection ${variant.stored ? 'on' : 'off'}: ` +
          `${Math.round(run.perSecond)} events/s (${run.flushes} inserts; event loop busy ${(run.mainThreadBusy * 100).toFixed(0)} %, process CPU ${run.cores.toFixed(2)} cores)`,
      );
      await run.app.close();
    }
    const best = (variant: Variant) =>
      Math.max(...runs.filter((run) => run.chained === variant.chained && run.mainThread === variant.mainThread && run.stored === variant.stored).map((run) => run.perSecond));
    const [endToEndRate, unchainedRate, mainThreadRate, unprojectedRate] = [DEFAULT_VARIANT, ...variants.filter((variant) => variant !== DEFAULT_VARIANT)].map(best);

    const { app, database, count } = await endToEnd(topic, dataPath, DEFAULT_VARIANT, runs.length);
    log(`steady ${STEADY_RATE} events/s for ${STEADY_SECONDS} s`);
    // The steady producer runs in a process of its own, as product services do, so its CPU is not the ingestor's.
    const steadyFrom = new Date().toISOString();
    const producerExit = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [...process.execArgv, __filename, '--produce-steady', topic], { stdio: 'inherit', env: process.env });
      child.once('exit', resolve);
    });
    if (producerExit !== 0) throw new Error(`the steady producer exited with ${producerExit}`);
    const steadyEvents = STEADY_RATE * STEADY_SECONDS;
    while ((await count()) < EVENTS + steadyEvents) await sleep(100);
    // Publish time is occurredAt (set just before send); stored time is ingested_at (the insert's now64).
    const result = await app.get<ClickHouseHandle>(CLICKHOUSE).client.query({
      query: `SELECT dateDiff('millisecond', occurred_at, ingested_at) AS ms FROM ${database}.audit_events WHERE occurred_at >= {from:DateTime64(3, 'UTC')}`,
      query_params: { from: steadyFrom.slice(0, 23).replace('T', ' ') },
      format: 'JSONCompactEachRow',
    });
    const freshness = (await result.json<[string]>()).map(([ms]) => Number(ms));
    await app.close();
    const p50 = percentile(freshness, 50);
    const p99 = percentile(freshness, 99);
    log(`freshness over ${freshness.length} events: p50 ${p50} ms, p99 ${p99} ms`);

    const lower = Math.min(consumed.perSecond, inserted);
    const config = { events: EVENTS, partitions: PARTITIONS, flushRows: 50_000, flushBytes: '16 MiB', flushIntervalMs: 1000, encoderThreads: 1, engine: 'chDB (embedded)', broker: 'local Kafka 4.4, same machine' };
    const rows: BenchRow[] = [
      benchRow({
        name: 'ingest end to end (backlog → queryable)',
        value: endToEndRate,
        unit: 'events/s',
        baseline: { name: `lower limit: min(raw kafkajs consume, raw ClickHouse insert) = ${consumed.perSecond < inserted ? 'consume' : 'insert'}`, value: lower },
        target: { min: 50_000, minRatio: 0.6 },
        config,
      }),
      benchRow({
        name: 'ingest end to end with the hash chain vs without (both without the projection topic)',
        value: unprojectedRate,
        unit: 'events/s',
        baseline: { name: 'same pipeline, INGEST_HASH_CHAIN=false (best of 2 runs each, alternating)', value: unchainedRate },
        target: { minRatio: 0.85 },
        config,
      }),
      benchRow({
        name: 'ingest end to end with the encoder thread vs encoding on the main thread',
        value: endToEndRate,
        unit: 'events/s',
        baseline: { name: 'same pipeline, INGEST_ENCODER_THREADS=0 (best of 2 runs each, alternating)', value: mainThreadRate },
        config,
      }),
      benchRow({
        name: 'ingest end to end with the projection topic (outbound streams) vs without',
        value: endToEndRate,
        unit: 'events/s',
        baseline: { name: 'same pipeline, INGEST_PUBLISH_STORED=false (best of 2 runs each, alternating)', value: unprojectedRate },
        target: { minRatio: 0.9 },
        config,
      }),
      benchRow({ name: 'raw kafkajs consumption (no processing)', value: consumed.perSecond, unit: 'events/s', config }),
      benchRow({ name: 'raw ClickHouse insert (the ingester’s rows and format: chained JSONEachRow, pre-serialized)', value: inserted, unit: 'rows/s', config: { ...config, blockRows: BLOCK_ROWS, format: 'JSONEachRow' } }),
      benchRow({
        name: 'raw ClickHouse insert with the content digest computed at insert (0003)',
        value: raw.withoutGate,
        unit: 'rows/s',
        baseline: { name: 'the same rows into the table before 0003 (best of 3 each, alternating)', value: raw.withoutDigest },
        config: { ...config, blockRows: BLOCK_ROWS, storedBytesPerRow: raw.storedBytesPerRow },
      }),
      benchRow({
        name: 'raw ClickHouse insert with the retention gate evaluated in the TTL (0004)',
        value: raw.withoutKeys,
        unit: 'rows/s',
        baseline: { name: 'the same rows into the table before 0004 (best of 3 each, alternating)', value: raw.withoutGate },
        config: { ...config, blockRows: BLOCK_ROWS },
      }),
      benchRow({
        name: 'raw ClickHouse insert: CPU per row with the investigations\' entries written by the materialized view (0006)',
        value: raw.cpuMicros.current,
        unit: 'µs/row',
        baseline: { name: 'the same rows into the table before 0006 (lowest of 3 each, alternating)', value: raw.cpuMicros.withoutKeys },
        config: { ...config, blockRows: BLOCK_ROWS, rowsPerSecond: { current: inserted, withoutKeys: raw.withoutKeys } },
      }),
      benchRow({ name: 'parse + validate + encode row (hot path: encodeBlock without the chain)', value: parseMicros, unit: 'µs/event', target: { max: 10 }, config }),
      benchRow({
        name: 'parse + validate + encode chained row (hot path with the chain)',
        value: parseLinkMicros,
        unit: 'µs/event',
        baseline: { name: 'the same without the chain (row above)', value: parseMicros },
        config,
      }),
      benchRow({ name: `freshness p50 at ${STEADY_RATE} events/s`, value: p50, unit: 'ms', config: { ...config, seconds: STEADY_SECONDS, events: freshness.length } }),
      benchRow({ name: `freshness p99 at ${STEADY_RATE} events/s`, value: p99, unit: 'ms', target: { max: 2000 }, config: { ...config, seconds: STEADY_SECONDS, events: freshness.length } }),
    ];
    writeBenchResults('ingest', rows);
  } finally {
    rmSync(dataPath, { recursive: true, force: true });
  }
}

/** Publishes STEADY_RATE events/s for STEADY_SECONDS, occurredAt = the send time (child process). */
async function produceSteadily(topic: string): Promise<void> {
  const kafka = createKafka({ brokers: loadConfig(KafkaConfig).brokers, clientId: 'bench-ingest-steady' });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const tick = 50;
  const perTick = (STEADY_RATE * tick) / 1000;
  const ticks = (STEADY_SECONDS * 1000) / tick;
  const started = performance.now();
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < ticks; i++) {
    const now = new Date().toISOString();
    sends.push(producer.send({ topic, acks: -1, messages: Array.from({ length: perTick }, (_, j) => message(EVENTS + i * perTick + j, now)) }));
    await sleep(Math.max(0, started + (i + 1) * tick - performance.now()));
  }
  await Promise.all(sends);
  await producer.disconnect();
}

const steadyIndex = process.argv.indexOf('--produce-steady');
(steadyIndex > 0 ? produceSteadily(process.argv[steadyIndex + 1]) : main()).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
