// What observability costs the pipeline, in the same run:
// 1. the ingest hot path: per row, the metrics of an insert (occurredAt parse + freshness histogram
//    + counters) against validating the same message (parseAuditEventMessage), the work it rides on;
// 2. a scrape of the consumer lag: the broker round trips of ConsumerLagReader with the age of the
//    oldest unconsumed event (a peek at each lagging partition) against offsets alone.
import { parseAuditEventMessage, serializeAuditEvent } from '@audit/contract';
import { ConsumerLagReader, auditTopics, createKafka, ensureTopics } from '@audit/kafka';
import { IngestMetrics, createMetricsRegistry } from '@audit/observability';
import { generatedEvent } from '@audit/testing';
import { randomBytes } from 'node:crypto';
import { benchRow, percentile, writeBenchResults } from './lib';

const BLOCK_ROWS = 10_000;
const PARTITIONS = 6;
const LAG_READS = 15;

async function microsPerRow(rows: number, run: () => unknown, minMs: number): Promise<number> {
  await run();
  let count = 0;
  const started = process.hrtime.bigint();
  let elapsedMs = 0;
  while (elapsedMs < minMs) {
    await run();
    count += rows;
    elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  }
  return (elapsedMs * 1_000) / count;
}

async function hotPath() {
  const now = Date.now();
  const messages = Array.from({ length: BLOCK_ROWS }, (_, i) =>
    Buffer.from(serializeAuditEvent(generatedEvent(i, { organizations: 50, occurredAt: new Date(now - i * 10).toISOString() }))),
  );
  const events = messages.map((message) => {
    const result = parseAuditEventMessage(message);
    if (!result.ok) throw new Error('invalid corpus');
    return result.event;
  });
  const metrics = new IngestMetrics(createMetricsRegistry({ defaultMetrics: false }));
  const insert = () => Promise.resolve();
  // The insert itself is a no-op: what is measured is what the metrics add around a real one.
  const withMetrics = await microsPerRow(
    BLOCK_ROWS,
    () => {
      metrics.consumed(BLOCK_ROWS);
      return metrics.timeInsert(
        events.map((event) => event.occurredAt),
        insert,
      );
    },
    2_000,
  );
  const validation = await microsPerRow(BLOCK_ROWS, () => messages.forEach((message) => parseAuditEventMessage(message)), 2_000);
  return benchRow({
    name: 'ingest metrics per row (freshness, counters)',
    value: withMetrics,
    unit: 'µs/row',
    baseline: { name: 'parseAuditEventMessage per row', value: validation },
    target: { maxRatio: 0.05 },
    config: { blockRows: BLOCK_ROWS, node: process.version },
  });
}

async function lagScrape() {
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
  const kafka = createKafka({ brokers, clientId: 'bench-observability' });
  const suffix = randomBytes(4).toString('hex');
  const [main] = auditTopics(PARTITIONS, 3_600_000, { main: `bench.lag.${suffix}`, dlq: `bench.lag.${suffix}.dlq` });
  await ensureTopics(kafka, [main]);
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  await producer.send({ topic: main.topic, acks: -1, messages: Array.from({ length: 600 }, (_, i) => ({ partition: i % PARTITIONS, value: `m${i}` })) });
  await producer.disconnect();
  const reader = new ConsumerLagReader(kafka);
  const group = `bench-lag-${suffix}`;
  const time = async (withAge: boolean) => {
    const samples: number[] = [];
    for (let i = 0; i < LAG_READS; i += 1) {
      const started = performance.now();
      const lags = await reader.read(group, main.topic, { withAge });
      samples.push(performance.now() - started);
      if (lags.length !== PARTITIONS || lags.some((lag) => lag.lagMessages === 0)) throw new Error(`expected every partition to lag: ${JSON.stringify(lags)}`);
    }
    return percentile(samples, 50);
  };
  await time(false);
  const offsetsOnly = await time(false);
  const withAge = await time(true);
  await reader.close();
  return benchRow({
    name: 'lag read at scrape, with age of oldest event (p50)',
    value: withAge,
    unit: 'ms',
    baseline: { name: 'lag read, offsets only (p50)', value: offsetsOnly },
    target: { max: 2_000 },
    config: { partitions: PARTITIONS, laggingPartitions: PARTITIONS, reads: LAG_READS },
  });
}

async function main(): Promise<void> {
  writeBenchResults('observability', [await hotPath(), await lagScrape()]);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
