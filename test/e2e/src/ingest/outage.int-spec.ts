import { startIngestApp, type IngestApp } from '@audit/ingest/testing';
import { createTestTopics, makeEvents, openTestClickHouse, publish, storedCounts, testKafka, toMessage, uniqueName, waitFor, type TestClickHouse } from '@audit/testing';

const CAP = 512 * 1024;

describe('ClickHouse unavailable for a while (table detached, then attached)', () => {
  const kafka = testKafka('ingest-outage');
  let clickhouse: TestClickHouse;
  let ingestor: IngestApp;
  let topic: string;

  beforeAll(async () => {
    const topics = await createTestTopics(kafka, 3);
    topic = topics.topic;
    clickhouse = await openTestClickHouse();
    ingestor = await startIngestApp(clickhouse.handle, clickhouse.database, {
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      AUDIT_TOPIC: topic,
      AUDIT_DLQ_TOPIC: topics.dlqTopic,
      INGEST_GROUP_ID: uniqueName('ingest-outage'),
      INGEST_FLUSH_ROWS: '1000',
      INGEST_FLUSH_INTERVAL_MS: '200',
      INGEST_MAX_BUFFERED_BYTES: String(CAP),
      INGEST_RETRY_INITIAL_MS: '100',
      INGEST_RETRY_MAX_MS: '800',
      INGEST_SESSION_TIMEOUT_MS: '6000',
    });
  }, 60_000);

  afterAll(async () => {
    await ingestor?.app.close();
    await clickhouse?.close();
  }, 30_000);

  it('should pause, keep its buffers under the cap, and store everything exactly once when ClickHouse returns', async () => {
    const table = `${clickhouse.database}.audit_events`;
    const events = makeEvents(9000);
    await publish(kafka, topic, events.slice(0, 1000).map(toMessage), 100);
    await waitFor(async () => ((await storedCounts(clickhouse.handle, clickhouse.database)).ids === 1000 ? true : undefined), { what: 'the first events' });

    await clickhouse.handle.client.command({ query: `DETACH TABLE ${table}` });
    // About 4.5 MB of events against a 512 KiB cap: the lag grows, memory must not.
    await publish(kafka, topic, events.slice(1000).map(toMessage), 100);
    await waitFor(async () => (ingestor.transport.stats().paused.length === 3 ? true : undefined), { what: 'every partition paused', timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const during = ingestor.transport.stats();
    expect(during.retries).toBeGreaterThan(0);
    expect(during.bufferedBytes).toBeGreaterThan(0);
    // The cap plus at most one fetch (sized from the cap) and one record batch.
    expect(during.peakBufferedBytes).toBeLessThan(CAP * 1.5);

    await clickhouse.handle.client.command({ query: `ATTACH TABLE ${table}` });
    const counts = await waitFor(
      async () => {
        const stored = await storedCounts(clickhouse.handle, clickhouse.database);
        return stored.ids >= events.length ? stored : undefined;
      },
      { what: 'every event after the table returned', timeoutMs: 60_000 },
    );
    expect(counts).toEqual({ rows: events.length, ids: events.length });
    await waitFor(async () => (ingestor.transport.stats().paused.length === 0 ? true : undefined), { what: 'partitions resumed' });
    expect(ingestor.transport.stats().peakBufferedBytes).toBeLessThan(CAP * 1.5);
  }, 120_000);
});
