// `npm run bench -- --only ingest-soak`: the built ingestor (dist/apps/ingestor in a process of its
// own, embedded chDB, as deployed) fed at the ingest bench's steady rate for SOAK_SECONDS by a
// producer in another process; the ingestor's resident memory and V8 heap are sampled every
// SOAK_SAMPLE_SECONDS. Memory is flat when the second half's trend stays under 2 MB/min (RSS) and
// 1 MB/min (heap): a leak of one small object per event would show as tens of MB per minute here.
//
// Environment (all optional):
//   SOAK_SECONDS          length of the run (default 600)
//   SOAK_RATE             events per second (default 10,000, the ingest bench's steady rate)
//   SOAK_SAMPLE_SECONDS   sampling interval (default 5)
import 'reflect-metadata';
import { createClickHouseClient } from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import { createKafka, ensureTopics, KafkaConfig } from '@audit/kafka';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchRow, freePort, metricSum, processMemoryMb, produceSteadily, startBuiltApp, steadyEventCount, stopBuiltApp, writeBenchResults } from './lib';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const RATE = Number(process.env.SOAK_RATE ?? 10_000);
const SAMPLE_SECONDS = Number(process.env.SOAK_SAMPLE_SECONDS ?? 5);
const PARTITIONS = 6;
const FLAT_RSS_MB_PER_MIN = 2;
const FLAT_HEAP_MB_PER_MIN = 1;

const log = (message: string) => console.log(`[soak bench] ${new Date().toISOString().slice(11, 19)} ${message}`);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

interface Sample {
  atSeconds: number;
  rssMb: number;
  heapUsedMb: number;
  rowsInserted: number;
  lag: number;
}

/** Least-squares slope of `value` against time, in MB per minute. */
function slopePerMinute(samples: Sample[], value: (sample: Sample) => number): number {
  const n = samples.length;
  const meanT = samples.reduce((sum, s) => sum + s.atSeconds, 0) / n;
  const meanV = samples.reduce((sum, s) => sum + value(s), 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const s of samples) {
    covariance += (s.atSeconds - meanT) * (value(s) - meanV);
    variance += (s.atSeconds - meanT) ** 2;
  }
  return (covariance / variance) * 60;
}

async function storedEvents(dataPath: string): Promise<number> {
  const handle = createClickHouseClient({ dataPath });
  try {
    const result = await handle.client.query({ query: 'SELECT uniqExact(event_id) AS n FROM audit_soak.audit_events', format: 'JSONEachRow' });
    return Number((await result.json<{ n: string }>())[0].n);
  } finally {
    await handle.client.close();
  }
}

async function main(): Promise<void> {
  const suffix = randomBytes(4).toString('hex');
  const topic = `audit.soak.${suffix}`;
  const kafka = loadConfig(KafkaConfig);
  await ensureTopics(createKafka({ brokers: kafka.brokers, clientId: 'soak-bench' }), [
    { topic, numPartitions: PARTITIONS, retentionMs: 3_600_000 },
    { topic: `${topic}.dlq`, numPartitions: 1, retentionMs: 3_600_000 },
  ]);
  const dataPath = mkdtempSync(join(tmpdir(), 'audit-soak-'));
  const port = await freePort();
  const ingestor = await startBuiltApp(
    'ingestor',
    {
      CLICKHOUSE_DATA_PATH: dataPath,
      CLICKHOUSE_DATABASE: 'audit_soak',
      AUDIT_TOPIC: topic,
      AUDIT_DLQ_TOPIC: `${topic}.dlq`,
      INGEST_GROUP_ID: `soak-${suffix}`,
      OPS_PORT: String(port),
      OPS_HOST: '127.0.0.1',
    },
    `http://127.0.0.1:${port}/health/ready`,
  );
  try {
    log(`ingestor pid ${ingestor.pid}; producing ${RATE.toLocaleString('en')} events/s for ${SECONDS} s to ${topic} (${PARTITIONS} partitions)`);
    const producer = spawn(process.execPath, [...process.execArgv, __filename, '--produce', topic], { stdio: 'inherit', env: process.env });
    const producerExit = new Promise<number | null>((done) => producer.once('exit', done));
    const samples: Sample[] = [];
    const started = performance.now();
    const take = async () => {
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const sample = {
        atSeconds: (performance.now() - started) / 1000,
        rssMb: processMemoryMb(ingestor.pid!).rss,
        heapUsedMb: metricSum(metrics, 'nodejs_heap_size_used_bytes') / 2 ** 20,
        rowsInserted: metricSum(metrics, 'audit_ingest_rows_inserted_total'),
        lag: metricSum(metrics, 'audit_ingest_consumer_lag_messages', `topic="${topic}"`),
      };
      samples.push(sample);
      return sample;
    };
    let running = true;
    void producerExit.then(() => (running = false));
    let logged = -60;
    while (running) {
      const s = await take();
      if (s.atSeconds - logged >= 60) {
        logged = s.atSeconds;
        log(`${Math.round(s.atSeconds)} s: RSS ${s.rssMb.toFixed(0)} MB, heap ${s.heapUsedMb.toFixed(0)} MB, ${s.rowsInserted.toLocaleString('en')} rows stored, lag ${s.lag}`);
      }
      await Promise.race([sleep(SAMPLE_SECONDS * 1000), producerExit]);
    }
    if ((await producerExit) !== 0) throw new Error('the soak producer failed');
    // The load phase is while the producer ran (on a busy machine its last sends finish after SECONDS).
    const loadSamples = [...samples];
    const loadSeconds = loadSamples.at(-1)!.atSeconds;
    const produced = steadyEventCount(RATE, SECONDS);
    log(`producer done after ${Math.round(loadSeconds)} s; lag ${loadSamples.at(-1)!.lag}; draining`);
    const drainStarted = performance.now();
    while ((await take()).rowsInserted < produced && performance.now() - drainStarted < 300_000) await sleep(1000);
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    const last = samples.at(-1)!;
    const firstHalf = loadSamples.filter((s) => s.atSeconds < loadSeconds / 2);
    const secondHalf = loadSamples.filter((s) => s.atSeconds >= loadSeconds / 2);
    const rss = loadSamples.map((s) => s.rssMb);
    const rssSlope = slopePerMinute(secondHalf, (s) => s.rssMb);
    const heapSlope = slopePerMinute(secondHalf, (s) => s.heapUsedMb);
    const config = {
      seconds: SECONDS,
      rate: RATE,
      produced,
      producerSeconds: Math.round(loadSeconds),
      lagWhenProducerDone: loadSamples.at(-1)!.lag,
      drainSeconds: Math.round(drainSeconds),
      rowsInsertedMetric: last.rowsInserted,
      peakRssDuringDrainMb: Math.round(Math.max(...samples.map((x) => x.rssMb))),
      samples: loadSamples.length,
      sampleSeconds: SAMPLE_SECONDS,
      partitions: PARTITIONS,
      ingestor: 'dist/apps/ingestor (own process, embedded chDB, default flush settings)',
      producer: 'idempotent kafkajs producer in another process, one send in flight carrying every event due',
    };
    log(`RSS first ${rss[0].toFixed(0)} MB, last ${rss.at(-1)!.toFixed(0)} MB, max ${Math.max(...rss).toFixed(0)} MB; second-half slope RSS ${rssSlope.toFixed(2)} MB/min, heap ${heapSlope.toFixed(2)} MB/min`);
    const rows = [
      benchRow({ name: 'ingestor RSS, first sample', value: rss[0], unit: 'MB', config }),
      benchRow({ name: 'ingestor RSS, last sample', value: rss.at(-1)!, unit: 'MB', baseline: { name: 'first sample', value: rss[0] }, config }),
      benchRow({ name: 'ingestor RSS, max', value: Math.max(...rss), unit: 'MB', config }),
      benchRow({
        name: 'ingestor RSS trend, second half',
        value: rssSlope,
        unit: 'MB/min',
        baseline: { name: 'first half (warm-up: caches and buffers filling)', value: slopePerMinute(firstHalf, (s) => s.rssMb) },
        target: { max: FLAT_RSS_MB_PER_MIN },
        config,
      }),
      benchRow({
        name: 'ingestor V8 heap used trend, second half',
        value: heapSlope,
        unit: 'MB/min',
        baseline: { name: 'first half', value: slopePerMinute(firstHalf, (s) => s.heapUsedMb) },
        target: { max: FLAT_HEAP_MB_PER_MIN },
        config: { ...config, heapFirstMb: Math.round(loadSamples[0].heapUsedMb), heapLastMb: Math.round(loadSamples.at(-1)!.heapUsedMb) },
      }),
      benchRow({
        name: 'consumer lag when the producer finished (did the ingestor keep up?)',
        value: loadSamples.at(-1)!.lag,
        unit: 'messages',
        baseline: { name: 'events produced per second', value: RATE },
        target: { maxRatio: 2 },
        config,
      }),
    ];
    // The ingestor holds the chDB directory while it runs: count what it stored once it has stopped.
    await stopBuiltApp(ingestor);
    const stored = await storedEvents(dataPath);
    log(`stored ${stored.toLocaleString('en')} unique events of ${produced.toLocaleString('en')} produced`);
    rows.push(benchRow({ name: 'unique events stored', value: stored, unit: 'events', baseline: { name: 'produced', value: produced }, target: { minRatio: 1, maxRatio: 1 }, config }));
    writeBenchResults('ingest-soak', rows);
  } finally {
    await stopBuiltApp(ingestor);
    rmSync(dataPath, { recursive: true, force: true });
  }
}

const produceIndex = process.argv.indexOf('--produce');
(produceIndex > 0 ? produceSteadily(process.argv[produceIndex + 1], RATE, SECONDS).then((took) => log(`producer: ${steadyEventCount(RATE, SECONDS).toLocaleString('en')} events in ${took.toFixed(1)} s`)) : main()).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
