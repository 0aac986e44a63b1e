import { AuditChainRepository } from '@audit/clickhouse';
import { checkpointSignatureStatus, parseAnchorLines, verifyStoredChain } from '@audit/integrity';
import { startIngestApp, type IngestApp } from '../testing';
import {
  chainEvents,
  createTestTopics,
  makeEvents,
  openTestClickHouse,
  publish,
  readStoredCoverage,
  storeChain,
  testKafka,
  testSigningKey,
  toMessage,
  uniqueName,
  waitFor,
  type TestClickHouse,
} from '@audit/testing';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChainCheckpointWriter } from '../src';

jest.setTimeout(120_000);

describe('signed chain checkpoints', () => {
  let clickhouse: TestClickHouse;
  let chains: AuditChainRepository;
  let folder: string;
  const signing = testSigningKey();

  beforeAll(async () => {
    clickhouse = await openTestClickHouse();
    chains = new AuditChainRepository(clickhouse.handle.client, clickhouse.database);
    folder = mkdtempSync(join(tmpdir(), 'audit-checkpoints-'));
  });

  afterAll(async () => {
    await clickhouse?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('should sign each head that moved, to the table and the file, and nothing when no head moved', async () => {
    const file = join(folder, 'direct.jsonl');
    const a = await storeChain(clickhouse.handle, clickhouse.database, chainEvents(uniqueName('org_cp_a'), 120), { blockRows: 50 });
    const b = await storeChain(clickhouse.handle, clickhouse.database, chainEvents(uniqueName('org_cp_b'), 30));
    const writer = new ChainCheckpointWriter(chains, signing.key, { intervalMs: 60_000, file });

    const first = await writer.writeCheckpoints();
    const idle = await writer.writeCheckpoints();
    const more = await storeChain(clickhouse.handle, clickhouse.database, chainEvents(b.organizationId, 10), { after: b.head });
    const moved = await writer.writeCheckpoints();
    const restarted = await new ChainCheckpointWriter(chains, signing.key, { intervalMs: 60_000, file }).writeCheckpoints();

    const mine = (list: typeof first) => list.filter((checkpoint) => [a.organizationId, b.organizationId].includes(checkpoint.organizationId));
    expect(mine(first).map(({ organizationId, chainSeq, chainHash }) => ({ organizationId, chainSeq, chainHash }))).toEqual(
      expect.arrayContaining([
        { organizationId: a.organizationId, chainSeq: 120, chainHash: a.head.hash },
        { organizationId: b.organizationId, chainSeq: 30, chainHash: b.head.hash },
      ]),
    );
    expect(first.every((checkpoint) => checkpointSignatureStatus(checkpoint, signing.key.publicKey) === 'valid')).toBe(true);
    expect(idle).toEqual([]);
    expect(mine(moved)).toEqual([expect.objectContaining({ organizationId: b.organizationId, chainSeq: 40, chainHash: more.head.hash })]);
    expect(restarted).toEqual([]);
    expect(await chains.newestCheckpoint(b.organizationId)).toEqual(mine(moved)[0]);
    expect(parseAnchorLines(readFileSync(file, 'utf8')).checkpoints.get(b.organizationId)).toEqual(mine(moved)[0]);
  });

  describe('in the ingestor', () => {
    let ingest: IngestApp | undefined;

    afterAll(async () => {
      await ingest?.app.close();
    });

    it('should checkpoint the chains the ingester builds from Kafka, publish links and checkpoints to the projection, and those chains should verify', async () => {
      const kafka = testKafka('chain-checkpoints');
      const { topic, dlqTopic, storedTopic } = await createTestTopics(kafka, 3);
      const file = join(folder, 'ingestor.jsonl');
      ingest = await startIngestApp(clickhouse.handle, clickhouse.database, {
        KAFKA_BROKERS: process.env.KAFKA_BROKERS,
        AUDIT_TOPIC: topic,
        AUDIT_DLQ_TOPIC: dlqTopic,
        AUDIT_STORED_TOPIC: storedTopic,
        INGEST_GROUP_ID: uniqueName('chain-checkpoints'),
        INGEST_FLUSH_INTERVAL_MS: '100',
        AUDIT_CHAIN_SIGNING_KEY: signing.pem,
        AUDIT_CHECKPOINT_INTERVAL_MS: '200',
        AUDIT_CHECKPOINT_FILE: file,
      });
      const organizations = [uniqueName('org_ing_a'), uniqueName('org_ing_b')];
      const events = makeEvents(600, 2).map((event) => ({ ...event, organizationId: organizations[Number(event.organizationId.slice(-1))] }));

      await publish(kafka, topic, events.map(toMessage));
      const anchors = await waitFor(
        async () => {
          const newest = parseAnchorLines(existsSync(file) ? readFileSync(file, 'utf8') : '').checkpoints;
          return organizations.every((organization) => newest.get(organization)?.chainSeq === 300) ? newest : undefined;
        },
        { what: 'checkpoints of both organizations at link 300', timeoutMs: 60_000 },
      );

      for (const organizationId of organizations) {
        const report = await verifyStoredChain(chains, { organizationId, publicKey: signing.key.publicKey, externalCheckpoint: anchors.get(organizationId) });
        expect(report).toMatchObject({ status: 'ok', checked: 300, lastSeq: 300, checkpoint: { chainSeq: 300, signature: 'valid', compared: true } });
      }
      const projection = await readStoredCoverage(kafka, storedTopic);
      expect(organizations.map((organization) => projection.organizations.get(organization))).toEqual(organizations.map(() => ({ last: 300, links: 300, copies: 0, missing: [] })));
      expect(projection.checkpoints).toBeGreaterThanOrEqual(organizations.length);
    });
  });
});
