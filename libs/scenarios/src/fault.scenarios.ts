// The four fault runs of issue #9. Each publishes valid events while a fault strikes at moments
// drawn from the seed, waits until the consumer group has committed the whole topic, and returns
// the run's figure line. The same functions serve the CI-sized tests and the full-scale bench.
import { createKafka } from '@audit/kafka';
import { startIngestApp, type IngestApp } from '@audit/ingest/testing';
import { createTestTopics, groupProgress, openTestClickHouse, startPrivateBroker, storedCounts, testBrokers, topicSize, uniqueName, waitFor, type TestClickHouse } from '@audit/testing';
import type { Kafka } from 'kafkajs';
import { faultFigure, type FaultFigure } from './fault-figure';
import { SeededRandom } from './seeded-random';
import { StandaloneIngestor, type StoredDatabase } from './standalone-ingestor';
import { startTraffic, type Traffic } from './steady-traffic';

export interface FaultRunOptions {
  seed: number;
  /** Valid events published during the run. */
  events: number;
  /** How long publishing takes at least, so the faults land while it goes on. */
  durationMs: number;
  /** Reports progress (the bench prints it; tests stay quiet). */
  log?: (line: string) => void;
}

export const PARTITIONS = 6;
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SHORT_END_SETTLE_MS = 10_000;

/** Small blocks and a short session, so faults land among many inserted and committed ranges. */
export function ingestEnv(topic: string, dlqTopic: string, groupId: string, brokers: string[], events: number): Record<string, string> {
  return {
    KAFKA_BROKERS: brokers.join(','),
    AUDIT_TOPIC: topic,
    AUDIT_DLQ_TOPIC: dlqTopic,
    INGEST_GROUP_ID: groupId,
    INGEST_FLUSH_ROWS: String(Math.min(20_000, Math.max(500, Math.ceil(events / 100)))),
    INGEST_FLUSH_INTERVAL_MS: '250',
    INGEST_RETRY_INITIAL_MS: '100',
    INGEST_RETRY_MAX_MS: '1000',
    INGEST_SESSION_TIMEOUT_MS: '6000',
  };
}

export async function untilProduced(traffic: Traffic, count: number): Promise<void> {
  await waitFor(async () => (traffic.produced() >= count ? true : undefined), { what: `${count} events produced`, timeoutMs: 600_000, intervalMs: 20 });
}

/**
 * Waits for the producer to finish and the group to commit every message on the topic. If it does
 * not, the error says where each partition stands and what `explain` tells about the ingestors
 * (their transports' diagnostics, or the process's last output), so a stalled run explains itself.
 */
export async function untilDrained(
  kafka: Kafka,
  topic: string,
  groupId: string,
  traffic: Traffic,
  events: number,
  { check = () => undefined, explain = () => [] }: { check?: () => void; explain?: () => unknown[] } = {},
): Promise<number> {
  const produced = await traffic.done;
  let last: Awaited<ReturnType<typeof groupProgress>> | undefined;
  // Every acknowledged event is on the topic by now, so a topic that ends below `produced` lost
  // acknowledged events: once its end has held still for SHORT_END_SETTLE_MS and is all
  // committed, the run ends and its figure shows them as lost, rather than timing out.
  let shortEnd: { end: number; since: number } | undefined;
  try {
    await waitFor(
      async () => {
        check();
        // Right after a broker restart an admin request may fail: that is "not yet", not a failure.
        const progress = await groupProgress(kafka, topic, groupId).catch(() => undefined);
        last = progress ?? last;
        if (!progress || progress.committed < progress.end) return undefined;
        if (progress.end >= produced) return true;
        if (shortEnd?.end !== progress.end) shortEnd = { end: progress.end, since: Date.now() };
        return Date.now() - shortEnd.since >= SHORT_END_SETTLE_MS ? true : undefined;
      },
      { what: `the group to commit all ${produced} events of ${topic}`, timeoutMs: Math.max(90_000, events), intervalMs: 250 },
    );
  } catch (error) {
    const lagging = last?.partitions.filter(({ committed, end }) => committed < end);
    throw new Error(
      [
        (error as Error).message,
        `partitions behind (committed < end): ${JSON.stringify(lagging ?? 'no progress read')}`,
        'ingestors:',
        ...explain().map((line) => (typeof line === 'string' ? line : JSON.stringify(line))),
      ].join('\n'),
    );
  }
  return produced;
}

/** When rows are doubled, which offsets of which partitions, inserted when: what a fix needs to know. */
export async function describeDuplicates({ handle, database }: StoredDatabase, log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<void> {
  const result = await handle.client.query({
    query: `SELECT kafka_partition AS partition, min(kafka_offset) AS first, max(kafka_offset) AS last, count() AS rows, groupUniqArray(toString(ingested_at)) AS insertedAt
            FROM (SELECT event_id, kafka_partition, kafka_offset, ingested_at FROM ${database}.audit_events WHERE event_id IN (SELECT event_id FROM ${database}.audit_events GROUP BY event_id HAVING count() > 1))
            GROUP BY kafka_partition ORDER BY kafka_partition`,
    format: 'JSONEachRow',
  });
  for (const row of await result.json<Record<string, unknown>>()) log(`duplicated rows: ${JSON.stringify(row)}`);
  // Each insert (one ingested_at per block) that holds a doubled row, with the whole range it stored:
  // two inserts of one range with other bounds means two deduplication tokens (the ingestor);
  // one insert holding both copies means the topic has the event twice (the producer).
  const inserts = await handle.client.query({
    query: `SELECT kafka_partition AS partition, toString(ingested_at) AS insertedAt, min(kafka_offset) AS first, max(kafka_offset) AS last, count() AS rows
            FROM ${database}.audit_events
            WHERE (kafka_partition, ingested_at) IN (SELECT kafka_partition, ingested_at FROM ${database}.audit_events WHERE event_id IN (SELECT event_id FROM ${database}.audit_events GROUP BY event_id HAVING count() > 1))
            GROUP BY kafka_partition, ingested_at ORDER BY kafka_partition, ingested_at`,
    format: 'JSONEachRow',
  });
  for (const row of await inserts.json<Record<string, unknown>>()) log(`insert holding doubled rows: ${JSON.stringify(row)}`);
}

/** One ingestor in this process writing to a fresh database; `fault` runs while events flow. */
async function withInProcessIngest(
  scenario: string,
  options: FaultRunOptions,
  kafka: Kafka,
  brokers: string[],
  fault: (context: { clickhouse: TestClickHouse; traffic: Traffic; random: SeededRandom; start: () => Promise<IngestApp>; stop: (app: IngestApp) => Promise<void> }) => Promise<void>,
): Promise<FaultFigure> {
  const random = new SeededRandom(options.seed);
  const { topic, dlqTopic } = await createTestTopics(kafka, PARTITIONS);
  const groupId = uniqueName(`reliability-${scenario}`);
  const clickhouse = await openTestClickHouse();
  const apps: IngestApp[] = [];
  const start = async () => {
    const app = await startIngestApp(clickhouse.handle, clickhouse.database, ingestEnv(topic, dlqTopic, groupId, brokers, options.events));
    apps.push(app);
    return app;
  };
  const stop = async (app: IngestApp) => {
    apps.splice(apps.indexOf(app), 1);
    await app.app.close();
  };
  try {
    await start();
    const traffic = startTraffic({ brokers, topic, events: options.events, durationMs: options.durationMs });
    await fault({ clickhouse, traffic, random, start, stop });
    const produced = await untilDrained(kafka, topic, groupId, traffic, options.events, { explain: () => apps.map(({ transport }) => transport.diagnostics()) });
    for (const { app } of apps.splice(0)) await app.close();
    await describeDuplicates(clickhouse, options.log);
    return faultFigure(scenario, options.seed, produced, await topicSize(kafka, topic), await storedCounts(clickhouse.handle, clickhouse.database), await topicSize(kafka, dlqTopic));
  } finally {
    for (const { app } of apps) await app.close().catch(() => undefined);
    await clickhouse.close();
  }
}

/**
 * The standalone ingestor process (dist/apps/ingestor) is killed with SIGKILL `kills` times, each
 * when the group has committed a seeded fraction of the run plus a seeded 0-400 ms (so kills also
 * land mid-insert and mid-commit), and started again at once.
 */
export async function runIngestorKills(options: FaultRunOptions & { kills: number; build?: boolean }): Promise<FaultFigure> {
  const random = new SeededRandom(options.seed);
  const brokers = testBrokers();
  const kafka = createKafka({ brokers, clientId: 'reliability-kill' });
  const { topic, dlqTopic } = await createTestTopics(kafka, PARTITIONS);
  const groupId = uniqueName('reliability-kill');
  const ingestor = new StandaloneIngestor(ingestEnv(topic, dlqTopic, groupId, brokers, options.events), { build: options.build });
  try {
    const traffic = startTraffic({ brokers, topic, events: options.events, durationMs: options.durationMs });
    for (const [index, point] of random.points(options.kills, 0.03, 0.97).entries()) {
      ingestor.start();
      await waitFor(
        async () => {
          ingestor.checkAlive();
          return (await groupProgress(kafka, topic, groupId)).committed >= point * options.events ? true : undefined;
        },
        { what: `${Math.round(point * 100)}% committed`, timeoutMs: 300_000, intervalMs: 50 },
      );
      await sleep(random.int(0, 400));
      await ingestor.stop('SIGKILL');
      options.log?.(`kill ${index + 1}/${options.kills} at ${(point * 100).toFixed(1)}% committed`);
    }
    ingestor.start();
    const produced = await untilDrained(kafka, topic, groupId, traffic, options.events, { check: () => ingestor.checkAlive(), explain: () => ingestor.lastOutput() });
    return faultFigure('ingestor-sigkill', options.seed, produced, await topicSize(kafka, topic), await ingestor.readStored(({ handle, database }) => storedCounts(handle, database)), await topicSize(kafka, dlqTopic));
  } finally {
    await ingestor.dispose();
  }
}

/** A broker of the run's own is stopped and started again `restarts` times while events are published. */
export async function runBrokerRestarts(options: FaultRunOptions & { restarts: number }): Promise<FaultFigure> {
  const broker = await startPrivateBroker();
  try {
    const kafka = createKafka({ brokers: broker.brokers, clientId: 'reliability-broker' });
    return await withInProcessIngest('broker-restart', options, kafka, broker.brokers, async ({ traffic, random }) => {
      for (const point of random.points(options.restarts, 0.1, 0.9)) {
        await untilProduced(traffic, Math.floor(point * options.events));
        await broker.stop();
        const downMs = random.int(500, 3000);
        await sleep(downMs);
        await broker.start();
        options.log?.(`broker restarted at ${traffic.produced()} produced (down ${downMs} ms plus its stop and start)`);
      }
    });
  } finally {
    await broker.destroy();
  }
}

/** The audit table is detached for `outageMs` (every insert fails, as with a server that is down) mid-run. */
export async function runClickHouseOutage(options: FaultRunOptions & { outageMs: number }): Promise<FaultFigure> {
  const brokers = testBrokers();
  const kafka = createKafka({ brokers, clientId: 'reliability-outage' });
  return withInProcessIngest('clickhouse-outage', options, kafka, brokers, async ({ clickhouse, traffic, random }) => {
    const [point] = random.points(1, 0.1, 0.5);
    await untilProduced(traffic, Math.floor(point * options.events));
    const table = `${clickhouse.database}.audit_events`;
    await clickhouse.handle.client.command({ query: `DETACH TABLE ${table}` });
    options.log?.(`ClickHouse table detached at ${traffic.produced()} produced, for ${options.outageMs} ms`);
    await sleep(options.outageMs);
    await clickhouse.handle.client.command({ query: `ATTACH TABLE ${table}` });
  });
}

/** The consumer group grows from one ingestor to three, then shrinks back to one, while events flow. */
export async function runConsumerGroupScaling(options: FaultRunOptions): Promise<FaultFigure> {
  const brokers = testBrokers();
  const kafka = createKafka({ brokers, clientId: 'reliability-group' });
  return withInProcessIngest('consumer-group-1-3-1', options, kafka, brokers, async ({ traffic, random, start, stop }) => {
    const [grow2, grow3, shrink2, shrink1] = random.points(4, 0.1, 0.9);
    const joined: IngestApp[] = [];
    for (const point of [grow2, grow3]) {
      await untilProduced(traffic, Math.floor(point * options.events));
      const app = await start();
      joined.push(app);
      await waitFor(async () => (app.transport.stats().assigned.length > 0 ? true : undefined), { what: 'the new ingestor to own partitions', timeoutMs: 60_000 });
      options.log?.(`consumer ${joined.length + 1} joined at ${traffic.produced()} produced`);
    }
    for (const point of [shrink2, shrink1]) {
      await untilProduced(traffic, Math.floor(point * options.events));
      await stop(joined.pop()!);
      options.log?.(`a consumer left at ${traffic.produced()} produced`);
    }
  });
}
