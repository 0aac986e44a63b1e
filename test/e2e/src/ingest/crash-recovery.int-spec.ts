import { AuditChainRepository, createClickHouseClient } from '@audit/clickhouse';
import { DLQ_HEADERS } from '@audit/contract';
import { verifyStoredChain } from '@audit/integrity';
import { ensureTopics } from '@audit/kafka';
import {
  buildIngestor,
  createTestTopics,
  groupProgress,
  makeEvents,
  publish,
  readStoredCoverage,
  readTopic,
  spawnIngestor,
  storedCounts,
  testKafka,
  toMessage,
  uniqueName,
  waitFor,
  type IngestorProcess,
} from '@audit/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BEYOND_MS, ORGANIZATION, boundaryPair, sleepUntil } from './skew-boundary';

/** The figure is 100k events (`INGEST_CRASH_EVENTS=100000`); CI runs a fifth of it. */
const EVENTS = Number(process.env.INGEST_CRASH_EVENTS ?? 20_000);
/** Fractions of the run at which the ingestor process is killed with SIGKILL. */
const KILL_POINTS = [0.15, 0.4, 0.65, 0.85];
/** Organizations the events are spread over (each one chain); EVENTS is a multiple of it. */
const ORGANIZATIONS = 5;

describe('crash recovery: kill -9 of the ingestor process', () => {
  const kafka = testKafka('ingest-crash');
  const dataPath = mkdtempSync(join(tmpdir(), 'audit-crash-'));
  let running: IngestorProcess | undefined;

  beforeAll(() => buildIngestor(), 180_000);

  afterAll(async () => {
    running?.child.kill('SIGKILL');
    await running?.exited;
    rmSync(dataPath, { recursive: true, force: true });
  });

  /** Fresh topics, group and database for one test, and the environment of its ingestor processes. */
  async function freshRun(partitions: number, settings: Record<string, string>) {
    const { topic, dlqTopic, storedTopic } = await createTestTopics(kafka, partitions);
    const groupId = uniqueName('ingest-crash');
    const database = uniqueName('audit_crash');
    const env = { CLICKHOUSE_DATA_PATH: dataPath, CLICKHOUSE_DATABASE: database, AUDIT_TOPIC: topic, AUDIT_DLQ_TOPIC: dlqTopic, AUDIT_STORED_TOPIC: storedTopic, INGEST_GROUP_ID: groupId, INGEST_SESSION_TIMEOUT_MS: '6000', ...settings };
    return { topic, dlqTopic, storedTopic, groupId, database, env };
  }

  it(`should store each of ${EVENTS} events exactly once after being killed at ${KILL_POINTS.length} points`, async () => {
    // Small blocks, so every kill lands among many recorded, inserted and committed ranges.
    const { topic, storedTopic, groupId, database, env } = await freshRun(3, { INGEST_FLUSH_ROWS: String(Math.ceil(EVENTS / 40)), INGEST_FLUSH_INTERVAL_MS: '250' });
    await publish(kafka, topic, makeEvents(EVENTS, ORGANIZATIONS).map(toMessage), 1000);
    const replays: string[] = [];
    for (const point of KILL_POINTS) {
      running = spawnIngestor(env);
      const current = running;
      await waitFor(
        async () => {
          if (current.child.exitCode !== null) throw new Error(`the ingestor exited early:\n${current.output.join('\n')}`);
          return (await groupProgress(kafka, topic, groupId)).committed >= point * EVENTS ? true : undefined;
        },
        { what: `${point * 100}% committed`, timeoutMs: 90_000, intervalMs: 50 },
      );
      current.child.kill('SIGKILL');
      await current.exited;
      replays.push(...current.output.filter((line) => line.includes('replaying recorded range')));
    }
    running = spawnIngestor(env);
    const last = running;
    await waitFor(async () => (last.output.some((line) => line.includes('ingestor running')) ? true : undefined), { what: 'the last ingestor to start', timeoutMs: 60_000 });
    await waitFor(
      async () => {
        const progress = await groupProgress(kafka, topic, groupId);
        return progress.committed >= progress.end ? progress : undefined;
      },
      { what: 'the final run to commit the whole topic', timeoutMs: 90_000 },
    );
    last.child.kill('SIGTERM');
    await last.exited;
    // Nest re-raises the signal after its shutdown hooks ran; the transport says it drained first.
    expect(last.output.some((line) => line.includes('stopped: buffers flushed and committed'))).toBe(true);

    // The ingestor process has released the embedded engine's directory; only now may this process open it.
    const handle = createClickHouseClient({ dataPath });
    try {
      expect(await storedCounts(handle, database)).toEqual({ rows: EVENTS, ids: EVENTS });
      // Replayed ranges were chained again from the heads before them: every chain verifies whole.
      const chains = new AuditChainRepository(handle.client, database);
      for (let org = 0; org < ORGANIZATIONS; org++) {
        const report = await verifyStoredChain(chains, { organizationId: `org_${org}` });
        expect({ org, status: report.status, checked: report.checked, firstBreak: report.firstBreak }).toEqual({ org, status: 'ok', checked: EVENTS / ORGANIZATIONS, firstBreak: undefined });
      }
    } finally {
      await handle.client.close();
    }
    // Every stored link reached the projection topic before its offsets were committed: no
    // organization misses one (replays may have published a block twice).
    const coverage = await readStoredCoverage(kafka, storedTopic);
    expect([...coverage.organizations].map(([organization, { last, links, missing }]) => ({ organization, last, links, missing })).sort((a, b) => a.organization.localeCompare(b.organization))).toEqual(
      Array.from({ length: ORGANIZATIONS }, (_, org) => ({ organization: `org_${org}`, last: EVENTS / ORGANIZATIONS, links: EVENTS / ORGANIZATIONS, missing: [] })),
    );
    const copies = [...coverage.organizations.values()].reduce((sum, { copies }) => sum + copies, 0);
    process.stdout.write(`crash recovery: ${KILL_POINTS.length} kills, ${replays.length} recorded ranges replayed, ${copies} links republished by replays\n`);
  }, 240_000);

  it('should replay the range at its recorded clock, so the event the landed attempt refused is dead-lettered', async () => {
    // Issue 15, finding 2: the replay of a range uses the clock recorded with it (skew-boundary.ts).
    const { topic, dlqTopic, groupId, database, env } = await freshRun(1, { INGEST_FLUSH_INTERVAL_MS: '100' });
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
