import { AuditChainRepository, createClickHouseClient } from '@audit/clickhouse';
import { verifyStoredChain } from '@audit/integrity';
import { buildIngestor, createTestTopics, groupProgress, makeEvents, publish, spawnIngestor, storedCounts, testKafka, toMessage, uniqueName, waitFor, type IngestorProcess } from '@audit/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The figure is 100k events (`INGEST_CRASH_EVENTS=100000`); CI runs a fifth of it. */
const EVENTS = Number(process.env.INGEST_CRASH_EVENTS ?? 20_000);
/** Fractions of the run at which the ingestor process is killed with SIGKILL. */
const KILL_POINTS = [0.15, 0.4, 0.65, 0.85];
/** Organizations the events are spread over (each one chain); EVENTS is a multiple of it. */
const ORGANIZATIONS = 5;

describe('crash recovery: kill -9 of the ingestor process mid-run', () => {
  const kafka = testKafka('ingest-crash');
  const dataPath = mkdtempSync(join(tmpdir(), 'audit-crash-'));
  let running: IngestorProcess | undefined;

  beforeAll(() => buildIngestor(), 180_000);

  afterAll(async () => {
    running?.child.kill('SIGKILL');
    await running?.exited;
    rmSync(dataPath, { recursive: true, force: true });
  });

  it(`should store each of ${EVENTS} events exactly once after being killed at ${KILL_POINTS.length} points`, async () => {
    const { topic, dlqTopic } = await createTestTopics(kafka, 3);
    const groupId = uniqueName('ingest-crash');
    const database = uniqueName('audit_crash');
    await publish(kafka, topic, makeEvents(EVENTS, ORGANIZATIONS).map(toMessage), 1000);
    const env = {
      CLICKHOUSE_DATA_PATH: dataPath,
      CLICKHOUSE_DATABASE: database,
      AUDIT_TOPIC: topic,
      AUDIT_DLQ_TOPIC: dlqTopic,
      INGEST_GROUP_ID: groupId,
      INGESTOR_PORT: '0',
      // Small blocks, so every kill lands among many recorded, inserted and committed ranges.
      INGEST_FLUSH_ROWS: String(Math.ceil(EVENTS / 40)),
      INGEST_FLUSH_INTERVAL_MS: '250',
      INGEST_SESSION_TIMEOUT_MS: '6000',
    };
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
    process.stdout.write(`crash recovery: ${KILL_POINTS.length} kills, ${replays.length} recorded ranges replayed\n`);
  }, 240_000);
});
