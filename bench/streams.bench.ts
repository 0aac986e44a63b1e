// Outbound streams (issue 18): `npm run bench -- --only streams`.
// - Delivery latency at a steady STREAMS_BENCH_RATE (1,000) events/s to a local webhook receiver:
//   publish (occurredAt, set when AuditProducer records the event) → the receiver has it, through
//   ingest, the projection topic and the stream, all in this process as the all-in-one runs them.
//   Target p99 ≤ 2 s. The ingest takes its INGEST_* settings from the environment (e.g.
//   INGEST_FLUSH_INTERVAL_MS, the wait that dominates this latency).
// - One stream draining a backlog of STREAMS_BENCH_BACKLOG (200k) events from the projection topic
//   to the same receiver (target ≥ 20,000 events/s), against the same receiver fed the very same
//   batches (bodies and signatures as the stream sent them) by a plain sequential send loop (target
//   ratio ≥ 0.5): the figure measures the stream, not the receiver.
import 'reflect-metadata';
import { loadConfig } from '@audit/config';
import { makeAuditEvent } from '@audit/contract';
import { startIngestApp } from '@audit/ingest/testing';
import { createKafka, ensureTopics, KafkaConfig } from '@audit/kafka';
import { startDeliveryHarness, type DeliveryHarness } from '@audit/streams/testing';
import { AuditProducer } from '@audit/producer';
import { openTestClickHouse, publishStored, WebhookReceiver, type ReceivedRequest } from '@audit/testing';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { benchRow, percentile, writeBenchResults, type BenchRow } from './lib';

const RATE = Number(process.env.STREAMS_BENCH_RATE ?? 1_000);
const SECONDS = Number(process.env.STREAMS_BENCH_SECONDS ?? 30);
const BACKLOG = Number(process.env.STREAMS_BENCH_BACKLOG ?? 200_000);
const ORGANIZATIONS = 50;
const SECRET = 'whsec-bench-0123456789abcdef';
const suffix = randomBytes(4).toString('hex');
const log = (line: string) => console.log(`[streams bench] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Streams of this bench: definitions and status topics of its own, the delivery as the all-in-one
 * composes it, a store to define streams. The harness's short retry and status intervals only
 * matter when a send fails, which no run here provokes; statuses are published once a second.
 */
const streamsUnderTest = (brokers: string[], storedTopic: string) =>
  startDeliveryHarness({ name: `bench.streams.${suffix}`, brokers, storedTopic, env: { STREAMS_STATUS_INTERVAL_MS: '1000' } });

/** An all-organization webhook stream to the bench's receiver. */
const defineStream = (streams: DeliveryHarness, url: string) => streams.define({ organizationId: '*', name: 'bench', destination: { type: 'webhook', url }, secret: SECRET });

/** Resolves once the delivery has taken the stream's position. */
const applied = (streams: DeliveryHarness, id: string) => () => streams.status(id)?.appliedPosition !== undefined;

/** Latency at a steady rate: the whole path (AuditProducer → ingest → projection → stream → receiver). */
async function steadyLatency(brokers: string[]): Promise<number[]> {
  const topic = `audit.bench.streams.${suffix}`;
  const kafka = createKafka({ brokers, clientId: 'bench-streams-latency' });
  await ensureTopics(kafka, [
    { topic, numPartitions: 6, retentionMs: 3_600_000 },
    { topic: `${topic}.dlq`, numPartitions: 1, retentionMs: 3_600_000 },
    { topic: `${topic}.stored`, numPartitions: 6, retentionMs: 3_600_000 },
  ]);
  const clickhouse = await openTestClickHouse();
  const receiver = await new WebhookReceiver(SECRET).start();
  const streams = await streamsUnderTest(brokers, `${topic}.stored`);
  const ingest = await startIngestApp(clickhouse.handle, clickhouse.database, { ...process.env, KAFKA_BROKERS: brokers.join(','), AUDIT_TOPIC: topic, AUDIT_DLQ_TOPIC: `${topic}.dlq`, AUDIT_STORED_TOPIC: `${topic}.stored`, INGEST_GROUP_ID: `bench-streams-${suffix}` });
  try {
    await streams.startDelivery();
    const stream = await defineStream(streams, `${receiver.baseUrl}/audit`);
    await until(applied(streams, stream.id), 'the stream to take its position', 60_000);
    const occurred = new Map<string, number>();
    const ids = new Map<string, string>();
    const events = RATE * SECONDS;
    log(`steady ${RATE} events/s for ${SECONDS} s through ingest and the stream`);
    await produceSteadily(brokers, topic, events);
    await until(() => receiver.ledger.delivered >= events, `${events} events at the receiver`, 120_000);
    // occurredAt is set when the producer records the event; the ledger holds when the receiver first had it.
    for (const [organizationId, seqs] of receiver.ledger.seen) for (const [seq, id] of seqs) ids.set(`${organizationId}:${seq}`, id);
    for (const request of receiver.requests) {
      for (const item of (JSON.parse(request.body.toString()) as { events: Array<{ organizationId: string; seq: number; event: { occurredAt: string } }> }).events) {
        occurred.set(`${item.organizationId}:${item.seq}`, Date.parse(item.event.occurredAt));
      }
    }
    return [...receiver.ledger.firstSeenAt].map(([key, at]) => at - (occurred.get(key) as number));
  } finally {
    await streams.close();
    await ingest.app.close();
    await receiver.stop();
    await clickhouse.close();
  }
}

/**
 * Records `events` at RATE per second with AuditProducer, each without `occurredAt`: the producer
 * stamps it when the event is recorded, which is the publish time the latency is measured from.
 */
async function produceSteadily(brokers: string[], topic: string, events: number): Promise<void> {
  const producer = new AuditProducer({ brokers, topic, clientId: 'bench-streams-steady', exitHooks: false });
  const tick = 50;
  const perTick = Math.max(1, Math.round((RATE * tick) / 1000));
  const started = performance.now();
  const sent: Array<Promise<void>> = [];
  try {
    for (let index = 0; index < events; index += perTick) {
      for (let offset = index; offset < Math.min(events, index + perTick); offset++) {
        sent.push(producer.record({ organizationId: `org_${offset % ORGANIZATIONS}`, actor: { id: `user_${offset % 500}`, type: 'user' }, action: 'update', resource: { type: 'Member', id: `m_${offset}` }, status: 'success' }));
      }
      await sleep(Math.max(0, started + ((index + perTick) / perTick) * tick - performance.now()));
    }
    await Promise.all(sent);
  } finally {
    await producer.close();
  }
}

/** One stream draining a backlog, then the same batches sent again by a plain loop. */
async function backlogDrain(brokers: string[]): Promise<{ streamPerSecond: number; loopPerSecond: number; batches: number }> {
  const storedTopic = `audit.bench.streams.${suffix}.backlog`;
  const kafka = createKafka({ brokers, clientId: 'bench-streams-backlog' });
  await ensureTopics(kafka, [{ topic: storedTopic, numPartitions: 6, retentionMs: 3_600_000 }]);
  const receiver = await new WebhookReceiver(SECRET).start();
  const streams = await streamsUnderTest(brokers, storedTopic);
  try {
    await streams.startDelivery();
    const stream = await defineStream(streams, `${receiver.baseUrl}/audit`);
    await until(applied(streams, stream.id), 'the stream to take its position', 60_000);
    await streams.stopDelivery();
    log(`publishing a backlog of ${BACKLOG} events to the projection topic`);
    const heads = new Map();
    for (let start = 0; start < BACKLOG; start += 20_000) {
      await publishStored(kafka, storedTopic, Array.from({ length: Math.min(20_000, BACKLOG - start) }, (_, index) => makeAuditEvent({ organizationId: `org_${(start + index) % ORGANIZATIONS}` })), heads, 256 * 1024);
    }
    await streams.startDelivery();
    await until(() => receiver.ledger.delivered >= BACKLOG, `${BACKLOG} events at the receiver`, 600_000);
    // A loop, not Math.max(...times): 200,000 arguments overflow the call stack.
    let [first, last] = [Infinity, -Infinity];
    for (const time of receiver.ledger.firstSeenAt.values()) [first, last] = [Math.min(first, time), Math.max(last, time)];
    const streamSeconds = (last - first) / 1000;
    const sent: ReceivedRequest[] = receiver.requests.filter((request) => request.body.length > 0);
    // The plain loop: the stream's own requests, byte for byte, one after another on a kept-alive connection.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const started = performance.now();
    for (const { path, headers, body } of sent) {
      await new Promise<void>((resolve, reject) => {
        const outgoing = request({ host: '127.0.0.1', port: receiver.port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': String(body.length), 'x-audit-timestamp': String(headers['x-audit-timestamp']), 'x-audit-stream-id': String(headers['x-audit-stream-id']), 'x-audit-batch-seq': String(headers['x-audit-batch-seq']), 'x-audit-signature': String(headers['x-audit-signature']) } }, (response) => {
          response.resume();
          response.once('end', resolve);
        });
        outgoing.once('error', reject);
        outgoing.end(body);
      });
    }
    const loopSeconds = (performance.now() - started) / 1000;
    agent.destroy();
    return { streamPerSecond: BACKLOG / streamSeconds, loopPerSecond: BACKLOG / loopSeconds, batches: sent.length };
  } finally {
    await streams.close();
    await receiver.stop();
  }
}

async function main(): Promise<void> {
  const brokers = loadConfig(KafkaConfig).brokers;
  const latencies = await steadyLatency(brokers);
  const [p50, p99] = [percentile(latencies, 50), percentile(latencies, 99)];
  log(`latency over ${latencies.length} events: p50 ${p50} ms, p99 ${p99} ms`);
  const drain = await backlogDrain(brokers);
  log(`backlog: stream ${Math.round(drain.streamPerSecond)} events/s, plain send loop ${Math.round(drain.loopPerSecond)} events/s (${drain.batches} batches)`);
  const config = { rate: RATE, seconds: SECONDS, backlog: BACKLOG, organizations: ORGANIZATIONS, destination: 'local webhook (same process)', batchMaxEvents: 500 };
  const rows: BenchRow[] = [
    benchRow({ name: `delivery latency p50 at ${RATE} events/s (publish → webhook)`, value: p50, unit: 'ms', config }),
    benchRow({ name: `delivery latency p99 at ${RATE} events/s (publish → webhook)`, value: p99, unit: 'ms', target: { max: 2000 }, config }),
    benchRow({
      name: 'one stream draining a backlog',
      value: drain.streamPerSecond,
      unit: 'events/s',
      baseline: { name: 'the same receiver fed the same batches by a plain send loop', value: drain.loopPerSecond },
      target: { min: 20_000, minRatio: 0.5 },
      config: { ...config, batches: drain.batches },
    }),
  ];
  writeBenchResults('streams', rows);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
