// Finding 2 of issue 15: a block is validated at the clock recorded with its range, so a retry or a
// replay that runs later has the outcome of the attempt that landed. An event just beyond the
// contract's one-hour skew is refused at the block's clock and valid a few seconds later: with a new
// clock per attempt it was neither stored nor dead-lettered (ClickHouse dropped the changed block as
// a copy) and the chain head moved past a row that does not exist.
import { AuditChainRepository, createClickHouseClient } from '@audit/clickhouse';
import { DLQ_HEADERS, LIMITS, makeAuditEvent, type AuditEvent } from '@audit/contract';
import { verifyStoredChain } from '@audit/integrity';
import { startIngestApp, type IngestApp } from '@audit/ingest/testing';
import { ensureTopics } from '@audit/kafka';
import {
  buildIngestor,
  createTestTopics,
  groupProgress,
  openTestClickHouse,
  publish,
  readTopic,
  spawnIngestor,
  storedCounts,
  testKafka,
  toMessage,
  topicSize,
  uniqueName,
  waitFor,
  type IngestorProcess,
  type TestClickHouse,
} from '@audit/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ORGANIZATION = 'org_clock';
/** How far beyond the skew limit the event is when published: refused at once, valid this much later. */
const BEYOND_MS = 3000;

/** One valid event and one just beyond the skew limit, in one block of one partition. */
function boundaryPair(publishedAt: number): { onTime: AuditEvent; ahead: AuditEvent } {
  return {
    onTime: makeAuditEvent({ organizationId: ORGANIZATION, occurredAt: new Date(publishedAt).toISOString() }),
    ahead: makeAuditEvent({ organizationId: ORGANIZATION, occurredAt: new Date(publishedAt + LIMITS.maxClockSkewMs + BEYOND_MS).toISOString() }),
  };
}

const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

describe('a block retried after its rows landed, with an event at the clock-skew limit', () => {
  const kafka = testKafka('ingest-block-clock');
  let clickhouse: TestClickHouse;
  let ingestor: IngestApp | undefined;

  beforeAll(async () => {
    clickhouse = await openTestClickHouse();
  });

  afterAll(async () => {
    await ingestor?.app.close();
    await clickhouse.close();
  }, 30_000);

  it('should end the event dead-lettered or stored, never neither, and leave a chain that verifies', async () => {
    const { topic, dlqTopic } = await createTestTopics(kafka, 1);
    ingestor = await startIngestApp(clickhouse.handle, clickhouse.database, {
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      AUDIT_TOPIC: topic,
      AUDIT_DLQ_TOPIC: dlqTopic,
      INGEST_GROUP_ID: uniqueName('block-clock'),
      INGEST_FLUSH_INTERVAL_MS: '100',
      INGEST_RETRY_INITIAL_MS: '100',
      INGEST_RETRY_MAX_MS: '400',
    });
    // A first event warms the ingester's chain heads, so the next block reads nothing before its insert.
    await publish(kafka, topic, [toMessage(makeAuditEvent({ organizationId: ORGANIZATION }))]);
    await waitFor(async () => ((await storedCounts(clickhouse.handle, clickhouse.database)).ids === 1 ? true : undefined), { what: 'the first event stored' });

    // Without the heads table the block's rows land, then its heads insert fails and the block is retried.
    const heads = `${clickhouse.database}.audit_chain_heads`;
    await clickhouse.handle.client.command({ query: `DETACH TABLE ${heads}` });
    const publishedAt = Date.now();
    const { onTime, ahead } = boundaryPair(publishedAt);
    await publish(kafka, topic, [onTime, ahead].map(toMessage));
    await waitFor(async () => (ingestor!.transport.stats().retries > 0 ? true : undefined), { what: 'the block to fail once', intervalMs: 20 });
    // Past this instant a new clock would accept the event the first attempt refused.
    await sleepUntil(publishedAt + BEYOND_MS + 1000);
    await clickhouse.handle.client.command({ query: `ATTACH TABLE ${heads}` });
    await waitFor(async () => (ingestor!.transport.stats().committedMessages >= 3 ? true : undefined), { what: 'the block committed', timeoutMs: 30_000 });

    const rows = await clickhouse.handle.client.query({ query: `SELECT toString(event_id) AS id FROM ${clickhouse.database}.audit_events`, format: 'JSONEachRow' });
    const stored = (await rows.json<{ id: string }>()).map(({ id }) => id);
    const letters = (await topicSize(kafka, dlqTopic)) === 0 ? [] : await readTopic(kafka, dlqTopic, { count: 1 });
    const deadLettered = letters.map(({ message }) => message.headers?.[DLQ_HEADERS.offset]?.toString());
    expect({ aheadStored: stored.includes(ahead.id), aheadDeadLettered: deadLettered.includes('2') }).toEqual({ aheadStored: false, aheadDeadLettered: true });
    expect(stored).toContain(onTime.id);
    const report = await verifyStoredChain(new AuditChainRepository(clickhouse.handle.client, clickhouse.database), { organizationId: ORGANIZATION });
    expect({ status: report.status, checked: report.checked }).toEqual({ status: 'ok', checked: 2 });
  }, 90_000);
});

describe('a block replayed after kill -9 between its recorded range and its commit', () => {
  const kafka = testKafka('ingest-block-clock-kill');
  const dataPath = mkdtempSync(join(tmpdir(), 'audit-clock-'));
  let running: IngestorProcess | undefined;

  beforeAll(() => buildIngestor(), 180_000);

  afterAll(async () => {
    running?.child.kill('SIGKILL');
    await running?.exited;
    rmSync(dataPath, { recursive: true, force: true });
  });

  it('should replay the range at its recorded clock, so the event the landed attempt refused is dead-lettered', async () => {
    const { topic, dlqTopic } = await createTestTopics(kafka, 1);
    const groupId = uniqueName('block-clock-kill');
    const database = uniqueName('audit_clock');
    const env = {
      CLICKHOUSE_DATA_PATH: dataPath,
      CLICKHOUSE_DATABASE: database,
      AUDIT_TOPIC: topic,
      AUDIT_DLQ_TOPIC: dlqTopic,
      INGEST_GROUP_ID: groupId,
      INGESTOR_PORT: '0',
      INGEST_FLUSH_INTERVAL_MS: '100',
      INGEST_SESSION_TIMEOUT_MS: '6000',
    };
    const first = (running = spawnIngestor(env));
    await waitFor(async () => (first.output.some((line) => line.includes('ingestor running')) ? true : undefined), { what: 'the ingestor to start', timeoutMs: 60_000 });
    await waitFor(async () => (first.output.some((line) => line.includes('assigned partitions [0]')) ? true : undefined), { what: 'the partition assigned', timeoutMs: 30_000 });
    // Without its dead-letter topic the block's rows land and its letters cannot be published: the
    // block stays between "range recorded" and "commit", retried, until the process is killed.
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [dlqTopic] });
    await admin.disconnect();

    const publishedAt = Date.now();
    const { onTime, ahead } = boundaryPair(publishedAt);
    await publish(kafka, topic, [onTime, ahead].map(toMessage));
    await waitFor(
      async () => {
        const [partition] = (await groupProgress(kafka, topic, groupId)).partitions;
        return partition.committed === 0 && partition.metadata?.startsWith('audit-ingest/pending:0-1') ? true : undefined;
      },
      { what: 'the range recorded', intervalMs: 20 },
    );
    // The dead letters are published after the insert: once their send has failed, the rows have landed.
    await waitFor(async () => (first.output.some((line) => line.includes(`block ${topic}:0:0-1`) && line.includes('failed')) ? true : undefined), { what: 'the dead-letter publish to fail', timeoutMs: 60_000 });
    first.child.kill('SIGKILL');
    await first.exited;
    expect((await groupProgress(kafka, topic, groupId)).committed).toBe(0);

    await sleepUntil(publishedAt + BEYOND_MS + 1000);
    await ensureTopics(kafka, [{ topic: dlqTopic, numPartitions: 1, retentionMs: 3_600_000 }]);
    const second = (running = spawnIngestor(env));
    await waitFor(
      async () => {
        if (second.child.exitCode !== null) throw new Error(`the ingestor exited early:\n${second.output.join('\n')}`);
        const progress = await groupProgress(kafka, topic, groupId);
        return progress.committed >= progress.end ? true : undefined;
      },
      { what: 'the replay committed', timeoutMs: 90_000 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; the ingestor said:\n${second.output.slice(-40).join('\n')}`);
    });
    expect(second.output.some((line) => line.includes('replaying recorded range 0-1'))).toBe(true);
    second.child.kill('SIGTERM');
    await second.exited;

    const [letter] = await readTopic(kafka, dlqTopic, { count: 1 });
    expect({ offset: letter.message.headers?.[DLQ_HEADERS.offset]?.toString(), reason: letter.message.headers?.[DLQ_HEADERS.reason]?.toString() }).toEqual({ offset: '1', reason: 'contract' });
    const handle = createClickHouseClient({ dataPath });
    try {
      expect(await storedCounts(handle, database)).toEqual({ rows: 1, ids: 1 });
      const report = await verifyStoredChain(new AuditChainRepository(handle.client, database), { organizationId: ORGANIZATION });
      expect({ status: report.status, checked: report.checked }).toEqual({ status: 'ok', checked: 1 });
    } finally {
      await handle.client.close();
    }
  }, 240_000);
});
