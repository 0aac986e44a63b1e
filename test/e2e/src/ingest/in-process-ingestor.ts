import { startIngestApp, type IngestApp } from '@audit/ingest/testing';
import { openTestClickHouse, uniqueName, type TestClickHouse } from '@audit/testing';

/**
 * One test file's ClickHouse database and the in-process ingestors its tests start on it: call
 * `open` before the tests and `close` after them (it stops the ingestors, then the database).
 */
export class InProcessIngestor {
  clickhouse!: TestClickHouse;
  private readonly apps: IngestApp[] = [];

  async open(): Promise<void> {
    this.clickhouse = await openTestClickHouse();
  }

  /** An ingestor of `topics` on the shared broker, with `env` over the defaults (a group of its own). */
  async start(topics: { topic: string; dlqTopic: string }, env: Record<string, string> = {}): Promise<IngestApp> {
    const app = await startIngestApp(this.clickhouse.handle, this.clickhouse.database, {
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      AUDIT_TOPIC: topics.topic,
      AUDIT_DLQ_TOPIC: topics.dlqTopic,
      INGEST_GROUP_ID: uniqueName('ingest'),
      ...env,
    });
    this.apps.push(app);
    return app;
  }

  /** Stops one ingestor before the file ends (its offsets committed). */
  async stop(app: IngestApp): Promise<void> {
    this.apps.splice(this.apps.indexOf(app), 1);
    await app.app.close();
  }

  async close(): Promise<void> {
    for (const app of this.apps.splice(0)) await app.app.close();
    await this.clickhouse?.close();
  }
}
