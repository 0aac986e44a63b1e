// Fault runs of outbound streams (issue 18): the ingester stores events and publishes them to the
// projection topic while one all-organization stream delivers them to a local webhook receiver and
// a fault strikes at moments drawn from the seed. Each run waits until every stored link has
// reached the receiver and returns its figure line. The same functions serve the CI-sized tests
// and the full-scale bench (`npm run bench -- --only stream-faults`).
import { startIngestApp } from '@audit/ingest/testing';
import { createKafka } from '@audit/kafka';
import { startDeliveryHarness, type DeliveryHarness } from '@audit/streams/testing';
import { buildApp, createTestTopics, openTestClickHouse, spawnApp, testBrokers, uniqueName, waitFor, WebhookReceiver, type AppProcess } from '@audit/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestEnv, PARTITIONS, sleep, untilProduced, type FaultRunOptions } from './fault.scenarios';
import { SeededRandom } from './seeded-random';
import { startTraffic, type Traffic } from './steady-traffic';
import type { StreamFaultFigure } from './stream-figure';

const SECRET = 'whsec-reliability-0123456789';

interface StreamRunContext {
  receiver: WebhookReceiver;
  traffic: Traffic;
  random: SeededRandom;
  delivery: DeliveryUnderTest;
  /** Events the receiver has so far (distinct). */
  received(): number;
}

/** The stream's delivery, in the test's process (as the all-in-one runs it) or as apps/stream-delivery. */
interface DeliveryUnderTest {
  start(): Promise<void>;
  kill(): Promise<void>;
  stop(): Promise<void>;
  explain(): string[];
}

function inProcessDelivery(harness: DeliveryHarness): DeliveryUnderTest {
  return {
    start: async () => void (await harness.startDelivery()),
    kill: () => Promise.reject(new Error('an in-process delivery is not killed')),
    stop: () => harness.stopDelivery(),
    explain: () => [],
  };
}

function processDelivery(env: Record<string, string>, build: boolean): DeliveryUnderTest {
  if (build) buildApp('stream-delivery');
  const dataPath = mkdtempSync(join(tmpdir(), 'audit-stream-delivery-'));
  let running: AppProcess | undefined;
  const end = async (signal: NodeJS.Signals) => {
    running?.child.kill(signal);
    await running?.exited;
    running = undefined;
  };
  return {
    async start() {
      // Its own (empty) embedded ClickHouse: this run's stream never needs a backfill.
      running = spawnApp('stream-delivery', { ...env, CLICKHOUSE_DATA_PATH: dataPath });
      const current = running;
      await waitFor(async () => {
        if (current.child.exitCode !== null) throw new Error(`the delivery exited by itself:\n${current.output.join('\n')}`);
        return current.output.some((line) => line.includes('stream delivery running')) ? true : undefined;
      }, { what: 'the delivery process to start', timeoutMs: 120_000 }).catch((error: Error) => {
        throw new Error([error.message, ...current.output.slice(-30)].join('\n'));
      });
    },
    kill: () => end('SIGKILL'),
    async stop() {
      await end('SIGTERM');
      rmSync(dataPath, { recursive: true, force: true });
    },
    explain: () => running?.output.slice(-30) ?? [],
  };
}

/**
 * One run: ingest in this process (chDB of its own) publishing the projection, an all-organization
 * stream (created before the traffic) delivering to a webhook receiver, `fault` while AuditProducer
 * publishes `events` over `durationMs`.
 */
export async function withStreamRun(
  scenario: string,
  options: FaultRunOptions & { deliveryProcess?: boolean; build?: boolean },
  fault: (context: StreamRunContext) => Promise<void>,
): Promise<StreamFaultFigure> {
  const brokers = testBrokers();
  const kafka = createKafka({ brokers, clientId: `reliability-${scenario}` });
  const { topic, dlqTopic, storedTopic } = await createTestTopics(kafka, PARTITIONS);
  const random = new SeededRandom(options.seed);
  const clickhouse = await openTestClickHouse();
  const receiver = await new WebhookReceiver(SECRET).start();
  const harness = await startDeliveryHarness({
    name: `streams.${scenario}`,
    brokers,
    storedTopic,
    env: { STREAMS_STATUS_INTERVAL_MS: '500', STREAMS_RETRY_INITIAL_MS: '100', STREAMS_RETRY_MAX_MS: '2000', STREAMS_HTTP_TIMEOUT_MS: '10000' },
  });
  const ingest = await startIngestApp(clickhouse.handle, clickhouse.database, { ...ingestEnv(topic, dlqTopic, uniqueName(`reliability-${scenario}`), brokers, options.events), AUDIT_STORED_TOPIC: storedTopic });
  const delivery = options.deliveryProcess ? processDelivery(harness.env, options.build !== false) : inProcessDelivery(harness);
  try {
    await delivery.start();
    const { id } = await harness.define({ organizationId: '*', name: scenario, destination: { type: 'webhook', url: `${receiver.baseUrl}/audit` }, secret: SECRET });
    await waitFor(async () => (harness.status(id)?.appliedPosition ? true : undefined), { what: 'the stream to take its position', timeoutMs: 60_000 });
    const traffic = startTraffic({ brokers, topic, events: options.events, durationMs: options.durationMs });
    const received = () => [...receiver.ledger.seen.values()].reduce((sum, seqs) => sum + seqs.size, 0);
    await fault({ receiver, traffic, random, delivery, received });
    const produced = await traffic.done;
    const heads = await waitFor(
      async () => {
        const result = await clickhouse.handle.client.query({ query: `SELECT organization_id, max(chain_seq) AS seq, count() AS rows FROM ${clickhouse.database}.audit_events GROUP BY organization_id`, format: 'JSONEachRow' });
        const rows = await result.json<{ organization_id: string; seq: string; rows: string }>();
        return rows.reduce((sum, row) => sum + Number(row.rows), 0) >= produced ? rows : undefined;
      },
      { what: `all ${produced} events stored`, timeoutMs: Math.max(120_000, options.events * 2) },
    );
    const expected = new Map(heads.map((row) => [row.organization_id, { to: Number(row.seq) }]));
    const stored = heads.reduce((sum, row) => sum + Number(row.seq), 0);
    try {
      await waitFor(async () => (receiver.ledger.report(expected).missing === 0 ? true : undefined), { what: `all ${stored} stored links at the receiver`, timeoutMs: Math.max(180_000, options.events * 3), intervalMs: 250 });
    } catch (error) {
      throw new Error([(error as Error).message, `received ${received()}; stream status ${JSON.stringify(harness.status(id))}`, ...delivery.explain()].join('\n'));
    }
    // Copies that are still on their way would show now.
    await sleep(1000);
    const report = receiver.ledger.report(expected);
    options.log?.(`${scenario}: ${receiver.batches.length} batches acknowledged; stream status ${JSON.stringify(harness.status(id))}`);
    return { scenario, seed: options.seed, produced, stored, delivered: report.delivered, unique: report.unique, duplicates: report.duplicates, lost: report.missing, gaps: report.uncovered };
  } finally {
    await delivery.stop().catch(() => undefined);
    await ingest.app.close().catch(() => undefined);
    await harness.close().catch(() => undefined);
    await receiver.stop();
    await clickhouse.close();
  }
}

/** The receiver is down (port closed) for `downMs` at a seeded moment of the run. */
export function runReceiverDown(options: FaultRunOptions & { downMs: number }): Promise<StreamFaultFigure> {
  return withStreamRun('stream-receiver-down', options, async ({ receiver, traffic, random }) => {
    const [point] = random.points(1, 0.1, 0.4);
    await untilProduced(traffic, Math.floor(point * options.events));
    await receiver.stop();
    options.log?.(`receiver down at ${traffic.produced()} produced, for ${options.downMs} ms`);
    await sleep(options.downMs);
    await receiver.start();
  });
}

/** The receiver answers 500 for half of `errorMs`, then 429 (`Retry-After: 1`) for the other half. */
export function runReceiverErrors(options: FaultRunOptions & { errorMs: number }): Promise<StreamFaultFigure> {
  return withStreamRun('stream-receiver-500-429', options, async ({ receiver, traffic, random }) => {
    const [point] = random.points(1, 0.1, 0.4);
    await untilProduced(traffic, Math.floor(point * options.events));
    receiver.behaviour.reply = () => ({ status: 500, body: '{"error":"internal"}' });
    options.log?.(`receiver answering 500 at ${traffic.produced()} produced, for ${options.errorMs / 2} ms`);
    await sleep(options.errorMs / 2);
    receiver.behaviour.reply = () => ({ status: 429, headers: { 'retry-after': '1' }, body: '{"error":"slow down"}' });
    options.log?.(`receiver answering 429 at ${traffic.produced()} produced, for ${options.errorMs / 2} ms`);
    await sleep(options.errorMs / 2);
    receiver.behaviour.reply = undefined;
  });
}

/** The receiver takes `delayMs` to answer each request for `slowMs`. */
export function runSlowReceiver(options: FaultRunOptions & { slowMs: number; delayMs: number }): Promise<StreamFaultFigure> {
  return withStreamRun('stream-slow-receiver', options, async ({ receiver, traffic, random }) => {
    const [point] = random.points(1, 0.05, 0.3);
    await untilProduced(traffic, Math.floor(point * options.events));
    receiver.behaviour.delayMs = options.delayMs;
    options.log?.(`receiver answering after ${options.delayMs} ms at ${traffic.produced()} produced, for ${options.slowMs} ms`);
    await sleep(options.slowMs);
    receiver.behaviour.delayMs = 0;
  });
}

/**
 * The delivery process (apps/stream-delivery) is killed with SIGKILL `kills` times, each when the
 * receiver has a seeded fraction of the run plus a seeded 0-400 ms (so kills also land mid-send
 * and mid-commit), and started again at once.
 */
export function runDeliveryKills(options: FaultRunOptions & { kills: number; build?: boolean }): Promise<StreamFaultFigure> {
  return withStreamRun('stream-delivery-sigkill', { ...options, deliveryProcess: true }, async ({ traffic, random, delivery, received }) => {
    for (const [index, point] of random.points(options.kills, 0.05, 0.95).entries()) {
      await waitFor(async () => (received() >= point * options.events ? true : undefined), { what: `${Math.round(point * 100)}% received`, timeoutMs: 600_000, intervalMs: 50 });
      await sleep(random.int(0, 400));
      await delivery.kill();
      options.log?.(`kill ${index + 1}/${options.kills} at ${received()} received, ${traffic.produced()} produced`);
      await delivery.start();
    }
  });
}
