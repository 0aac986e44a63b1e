import { startIngestApp, type IngestApp } from '@audit/ingest/testing';
import { createTestTopics, groupProgress, makeEvents, openTestClickHouse, publish, storedCounts, testKafka, toMessage, uniqueName, waitFor, type TestClickHouse } from '@audit/testing';

const EVENTS = 12_000;

describe('scale out and rebalance: two ingestors in one consumer group', () => {
  const kafka = testKafka('ingest-rebalance');
  let clickhouse: TestClickHouse;
  const apps: IngestApp[] = [];

  beforeAll(async () => {
    clickhouse = await openTestClickHouse();
  });

  afterAll(async () => {
    for (const { app } of apps) await app.close();
    await clickhouse?.close();
  }, 30_000);

  it('should share the partitions while both run and lose or duplicate nothing when the second joins and leaves', async () => {
    const { topic, dlqTopic } = await createTestTopics(kafka, 6);
    const groupId = uniqueName('ingest-rebalance');
    const env = {
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      AUDIT_TOPIC: topic,
      AUDIT_DLQ_TOPIC: dlqTopic,
      INGEST_GROUP_ID: groupId,
      INGEST_FLUSH_ROWS: '500',
      INGEST_FLUSH_INTERVAL_MS: '200',
      INGEST_SESSION_TIMEOUT_MS: '6000',
    };
    const events = makeEvents(EVENTS).map(toMessage);
    const first = await startIngestApp(clickhouse.handle, clickhouse.database, env);
    apps.push(first);
    // Publishing keeps going while the group changes under it.
    const publishing = (async () => {
      for (let start = 0; start < EVENTS; start += 1000) {
        await publish(kafka, topic, events.slice(start, start + 1000), 250);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    })();
    await waitFor(async () => ((await groupProgress(kafka, topic, groupId)).committed > EVENTS * 0.15 ? true : undefined), { what: 'the first ingestor to commit' });

    const second = await startIngestApp(clickhouse.handle, clickhouse.database, env);
    apps.push(second);
    await waitFor(
      async () => {
        const [a, b] = [first.transport.stats(), second.transport.stats()];
        return a.assigned.length > 0 && b.assigned.length > 0 && a.assigned.length + b.assigned.length === 6 && b.flushes > 0 ? true : undefined;
      },
      { what: 'both ingestors to own and flush partitions', timeoutMs: 60_000 },
    );
    const [a, b] = [first.transport.stats().assigned, second.transport.stats().assigned];
    expect([...a, ...b].sort()).toEqual([0, 1, 2, 3, 4, 5]);

    await second.app.close();
    apps.pop();
    await publishing;
    await waitFor(
      async () => {
        // The second may have committed its share before it left: the group is done only once the
        // first has also taken its partitions back (the rebalance lands later on a loaded machine).
        const progress = await groupProgress(kafka, topic, groupId);
        return progress.committed >= progress.end && first.transport.stats().assigned.length === 6 ? true : undefined;
      },
      { what: 'the remaining ingestor to own every partition and commit the whole topic', timeoutMs: 90_000 },
    );
    expect(first.transport.stats().assigned).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await storedCounts(clickhouse.handle, clickhouse.database)).toEqual({ rows: EVENTS, ids: EVENTS });
  }, 180_000);
});
