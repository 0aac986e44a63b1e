// AuditProducer against raw kafkajs on the broker `npm run bench` starts: throughput of the same
// events (AuditProducer validates, serializes, buffers and batches them) against kafkajs sending
// the same batches serialized beforehand (transport only) and against a hand-written loop doing
// the same validation and serialization; and the latency of a fire-and-forget record() call.
// AuditProducer runs both ways in the same run: kafkajs in its worker thread (the default) and
// kafkajs on the caller's event loop; the baselines run kafkajs on the main thread.
import { serializeAuditEvent, uuidv7, validateAuditEvent } from '@audit/contract';
import { createKafka, ensureTopics } from '@audit/kafka';
import { AUDIT_PRODUCER_DEFAULTS, AuditProducer, type AuditEventInput, type KafkaThread } from '@audit/producer';
import { generatedEvent } from '@audit/testing';
import { Partitioners, type Kafka } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { benchRow, percentile, writeBenchResults } from './lib';

const EVENTS = Number(process.env.BENCH_PRODUCER_EVENTS ?? 50_000);
const ROUNDS = Number(process.env.BENCH_PRODUCER_ROUNDS ?? 3);
const LATENCY_SAMPLES = 20_000;
/** Records between two turns of the event loop. */
const BURST = 100;
const PARTITIONS = 6;
const BATCH = AUDIT_PRODUCER_DEFAULTS.maxBatchEvents;
/** How many unacknowledged records the feeding loop allows, below the producer's buffer bound. */
const WINDOW = AUDIT_PRODUCER_DEFAULTS.maxBufferedEvents - 2 * BATCH;

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:39092').split(',');

function inputs(count: number): AuditEventInput[] {
  return Array.from({ length: count }, (_, i) => {
    const { id: _id, occurredAt: _occurredAt, schemaVersion: _version, ...event } = generatedEvent(i, { organizations: 50, actors: 500 });
    return event;
  });
}

async function freshTopic(kafka: Kafka): Promise<string> {
  const topic = `bench.producer.${randomBytes(4).toString('hex')}`;
  await ensureTopics(kafka, [{ topic, numPartitions: PARTITIONS, retentionMs: 3_600_000 }]);
  return topic;
}

function serialized(input: AuditEventInput, now: number): { key: string; value: string } {
  const result = validateAuditEvent({ ...input, id: uuidv7(now), occurredAt: new Date(now).toISOString(), schemaVersion: 1 }, now);
  if (!result.ok) throw new Error(JSON.stringify(result.violations));
  return { key: result.event.organizationId, value: serializeAuditEvent(result.event) };
}

/**
 * kafkajs alone, sending the same events in the same batches, one in flight, with the producer
 * settings AuditProducer uses. `prepared`: validated and serialized before the clock starts (the
 * transport alone, the baseline); otherwise each batch is validated and serialized on the
 * clock, as a hand-written loop doing the same work as record() would.
 */
async function rawKafkajs(kafka: Kafka, events: AuditEventInput[], prepared: boolean): Promise<number> {
  const now = Date.now();
  const batches = Array.from({ length: Math.ceil(events.length / BATCH) }, (_, b) => events.slice(b * BATCH, (b + 1) * BATCH));
  const ready = prepared ? batches.map((batch) => batch.map((input) => serialized(input, now))) : undefined;
  const topic = await freshTopic(kafka);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner, retry: { retries: Number.MAX_SAFE_INTEGER } });
  await producer.connect();
  const started = performance.now();
  for (let b = 0; b < batches.length; b += 1) {
    const messages = ready ? ready[b] : batches[b].map((input) => serialized(input, Date.now()));
    await producer.send({ topic, acks: -1, messages });
  }
  const seconds = (performance.now() - started) / 1_000;
  await producer.disconnect();
  return events.length / seconds;
}

/**
 * One long-lived AuditProducer per variant, as a service keeps one: its worker thread is a fresh
 * V8 isolate, and a producer made per round would run kafkajs cold there while the baselines run
 * it warm on the main thread (the first ten sends of a fresh worker took 2–5× the steady ones).
 */
async function longLivedProducer(kafka: Kafka, kafkaThread: KafkaThread): Promise<AuditProducer> {
  const topic = await freshTopic(kafka);
  return new AuditProducer({ brokers, topic, exitHooks: false, clientId: `bench-audit-producer-${kafkaThread}`, kafkaThread });
}

/** The same events through AuditProducer.record(), fed by a loop that yields like a service would. */
async function auditProducer(producer: AuditProducer, events: AuditEventInput[]): Promise<number> {
  await producer.record(events[0]);
  const acks: Array<Promise<void>> = [];
  const started = performance.now();
  for (let i = 0; i < events.length; i += 1) {
    // Like request handlers: a burst of records, then the event loop turns (where sends progress).
    if (i % BURST === 0) {
      if (i >= WINDOW) await acks[i - WINDOW];
      await yieldToLoop();
    }
    acks.push(producer.record(events[i]));
  }
  await producer.flush();
  const seconds = (performance.now() - started) / 1_000;
  return events.length / seconds;
}

/** Duration of each fire-and-forget record() call, in bursts between turns of the event loop. */
async function recordLatencies(kafka: Kafka, events: AuditEventInput[], kafkaThread: KafkaThread): Promise<number[]> {
  const topic = await freshTopic(kafka);
  const producer = new AuditProducer({ brokers, topic, exitHooks: false, clientId: 'bench-audit-latency', kafkaThread });
  await producer.record(events[0]);
  const latencies: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i += 1) {
    const started = process.hrtime.bigint();
    void producer.record(events[i % events.length]);
    latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (i % BURST === BURST - 1) await yieldToLoop();
  }
  await producer.close();
  return latencies;
}

async function main(): Promise<void> {
  const kafka = createKafka({ brokers, clientId: 'bench-producer' });
  const events = inputs(EVENTS);
  // Warm every path (JIT, connections, topic metadata) before measuring.
  await rawKafkajs(kafka, events.slice(0, 5_000), true);
  await rawKafkajs(kafka, events.slice(0, 5_000), false);
  const producers = { worker: await longLivedProducer(kafka, 'worker'), caller: await longLivedProducer(kafka, 'caller') };
  await auditProducer(producers.worker, events.slice(0, 5_000));
  await auditProducer(producers.caller, events.slice(0, 5_000));
  const raw: number[] = [];
  const handWritten: number[] = [];
  const inWorker: number[] = [];
  const inCaller: number[] = [];
  // Interleaved rounds, so that a burst of load from elsewhere on the machine hits every variant alike.
  for (let round = 0; round < ROUNDS; round += 1) {
    raw.push(await rawKafkajs(kafka, events, true));
    inWorker.push(await auditProducer(producers.worker, events));
    handWritten.push(await rawKafkajs(kafka, events, false));
    inCaller.push(await auditProducer(producers.caller, events));
  }
  await Promise.all([producers.worker.close(), producers.caller.close()]);
  const latencies = { worker: await recordLatencies(kafka, events, 'worker'), caller: await recordLatencies(kafka, events, 'caller') };
  const best = (values: number[]) => Math.max(...values);
  const shared = { events: EVENTS, rounds: ROUNDS, partitions: PARTITIONS, batchEvents: BATCH, lingerMs: AUDIT_PRODUCER_DEFAULTS.lingerMs, burst: BURST, best: 'of rounds', producer: 'one per variant for all rounds, warmed up', raw, handWritten };
  const where = {
    worker: 'main thread: record() (validate, serialize, buffer, pack batches); worker thread: kafkajs (encode, send, acks); baselines: kafkajs on the main thread',
    caller: 'main thread: record() and kafkajs, on one event loop; baselines: kafkajs on the main thread',
  };
  const throughput = (kafkaThread: KafkaThread, values: number[]) => [
    benchRow({
      name: `AuditProducer throughput (record → acknowledged), kafkajs in the ${kafkaThread} thread`,
      value: best(values),
      unit: 'events/s',
      baseline: { name: 'raw kafkajs send of the same batches, serialized beforehand', value: best(raw) },
      target: { minRatio: 0.9 },
      config: { ...shared, kafkaThread, runsWhere: where[kafkaThread], auditProducer: values },
    }),
    benchRow({
      name: `AuditProducer throughput vs the same work written by hand, kafkajs in the ${kafkaThread} thread`,
      value: best(values),
      unit: 'events/s',
      baseline: { name: 'kafkajs loop validating + serializing each batch, then send', value: best(handWritten) },
      target: { minRatio: 0.9 },
      config: { ...shared, kafkaThread, runsWhere: where[kafkaThread], auditProducer: values },
    }),
  ];
  const latency = (kafkaThread: KafkaThread) =>
    benchRow({
      name: `record() fire-and-forget latency, p99, kafkajs in the ${kafkaThread} thread`,
      value: percentile(latencies[kafkaThread], 99),
      unit: 'ms',
      target: { max: 1 },
      config: { kafkaThread, samples: LATENCY_SAMPLES, p50: percentile(latencies[kafkaThread], 50), p999: percentile(latencies[kafkaThread], 99.9), max: Math.max(...latencies[kafkaThread]) },
    });
  writeBenchResults('producer', [...throughput('worker', inWorker), latency('worker'), ...throughput('caller', inCaller), latency('caller')]);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
