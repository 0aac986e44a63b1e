import { ClickHouseConfig, ClickHouseModule } from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import { makeAuditEvent, serializeAuditEvent } from '@audit/contract';
import { IngestConfig, IngestModule, startIngestion } from '@audit/ingest';
import { KafkaConfig } from '@audit/kafka';
import { QueryConfig, QueryModule } from '@audit/query';
import { createTestTopics, testKafka, uniqueName, waitFor, signTestToken } from '@audit/testing';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Producer } from 'kafkajs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// testTimeout in a project's jest config is ignored under the root config's `projects`: set it here
// (booting the stack also creates its topics, the projection topic among them: more than the 5 s default on a busy machine).
jest.setTimeout(120_000);

const SECRET = 'e2e-secret-that-is-at-least-32-characters';

const token = (organizationId: string) => signTestToken({ secret: SECRET, organizationId, expiresIn: '5m' });

describe('one event end to end: kafkajs → ingestor → ClickHouse → GET /v1/audit-logs', () => {
  const dataPath = mkdtempSync(join(tmpdir(), 'audit-e2e-'));
  let app: INestApplication;
  let baseUrl: string;
  let producer: Producer;
  let topic: string;

  beforeAll(async () => {
    const kafka = testKafka('e2e');
    const topics = await createTestTopics(kafka);
    topic = topics.topic;
    const env = {
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      CLICKHOUSE_URL: process.env.CLICKHOUSE_URL,
      QUERY_AUDIT_ACK_TIMEOUT_MS: process.env.QUERY_AUDIT_ACK_TIMEOUT_MS,
      CLICKHOUSE_DATA_PATH: dataPath,
      CLICKHOUSE_DATABASE: uniqueName('audit_e2e'),
      AUDIT_TOPIC: topics.topic,
      AUDIT_DLQ_TOPIC: topics.dlqTopic,
      INGEST_GROUP_ID: uniqueName('e2e-ingestor'),
      AUTH_JWT_SECRET: SECRET,
    };
    const moduleRef = await Test.createTestingModule({
      imports: [
        ClickHouseModule.forRoot(loadConfig(ClickHouseConfig, env)),
        IngestModule.forRoot(loadConfig(IngestConfig, env), loadConfig(KafkaConfig, env)),
        QueryModule.forRoot(loadConfig(QueryConfig, env)),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
    await startIngestion(app);
    await app.listen(0, '127.0.0.1');
    baseUrl = await app.getUrl();
    producer = kafka.producer({ idempotent: true });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await app?.close();
    rmSync(dataPath, { recursive: true, force: true });
  }, 30_000);

  it('should return an event published to Kafka from the query API of its organization only', async () => {
    const organizationId = uniqueName('org');
    const event = makeAuditEvent({ organizationId, action: 'invite', resource: { type: 'Member', id: 'member_9' } });
    await producer.send({ topic, acks: -1, messages: [{ key: organizationId, value: serializeAuditEvent(event) }] });

    const headers = { authorization: `Bearer ${await token(organizationId)}` };
    const body = await waitFor(
      async () => {
        // Filtered to the published resource type: reading the audit log is itself audited (AuditLog events).
        const response = await fetch(`${baseUrl}/v1/audit-logs?resourceType=Member`, { headers });
        expect(response.status).toBe(200);
        const page = (await response.json()) as { data: Array<{ id: string }> };
        return page.data.length > 0 ? page : undefined;
      },
      { what: 'the event to be queryable', timeoutMs: 60_000 },
    );
    expect(body.data).toEqual([event]);

    const otherOrganization = await fetch(`${baseUrl}/v1/audit-logs?resourceType=Member`, { headers: { authorization: `Bearer ${await token('org_other')}` } });
    expect(((await otherOrganization.json()) as { data: unknown[] }).data).toEqual([]);
  });

  it('should refuse a request without a token', async () => {
    const response = await fetch(`${baseUrl}/v1/audit-logs`);
    expect(response.status).toBe(401);
  });
});
