import { AuditChainRepository } from '@audit/clickhouse';
import { canonicalEventJson, linkHash, loadSigningKey, signCheckpoint, verifyStoredChain, type ChainReport, type SigningKey, type StoredLink } from '@audit/integrity';
import { chainEvents, openTestClickHouse, storeChain, uniqueName, type StoredTestChain, type TestClickHouse } from '@audit/testing';
import { generateKeyPairSync } from 'node:crypto';

jest.setTimeout(180_000);

describe('hash chain verification on the ClickHouse engine', () => {
  let clickhouse: TestClickHouse;
  let chains: AuditChainRepository;
  let key: SigningKey;
  const table = () => `${clickhouse.database}.audit_events`;

  beforeAll(async () => {
    clickhouse = await openTestClickHouse();
    chains = new AuditChainRepository(clickhouse.handle.client, clickhouse.database, { batchRows: 5_000 });
    key = loadSigningKey(generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
  });

  afterAll(async () => {
    await clickhouse?.close();
  });

  async function tamper(sql: string): Promise<void> {
    await clickhouse.handle.client.command({ query: `${sql} SETTINGS mutations_sync = 2` });
  }

  /** A chain of a few hundred rows of its own organization. */
  async function smallChain(count = 300): Promise<StoredTestChain> {
    return storeChain(clickhouse.handle, clickhouse.database, chainEvents(uniqueName('org_tamper'), count), { blockRows: 100 });
  }

  function verify(organizationId: string, options: { from?: string; to?: string } = {}): Promise<ChainReport> {
    return verifyStoredChain(chains, { organizationId, publicKey: key.publicKey, ...options });
  }

  it('should verify a chain of 100,000 events, a re-sent event (same time and id, its own link) included', async () => {
    const organizationId = uniqueName('org_big');
    const events = chainEvents(organizationId, 100_000);
    events.splice(50_000, 0, { ...events[49_999] });
    const chain = await storeChain(clickhouse.handle, clickhouse.database, events);
    await chains.insertCheckpoints([signCheckpoint(key, organizationId, chain.head)]);

    const started = Date.now();
    const report = await verify(organizationId);
    const seconds = (Date.now() - started) / 1000;

    expect(report).toMatchObject({ status: 'ok', checked: 100_001, firstSeq: 1, lastSeq: 100_001, head: { seq: chain.head.seq, hash: chain.head.hash }, complete: true });
    expect(report.checkpoint).toMatchObject({ chainSeq: 100_001, signature: 'valid', compared: true });
    expect(report.firstBreak).toBeUndefined();
    process.stdout.write(`verified 100,001 links in ${seconds.toFixed(1)} s\n`);
  });

  it('should verify a time window, checking the link into it as well', async () => {
    const chain = await smallChain();
    const events = await clickhouse.handle.client.query({
      query: `SELECT min(occurred_at) AS first FROM ${table()} WHERE organization_id = {org:String} AND chain_seq = 101`,
      query_params: { org: chain.organizationId },
      format: 'JSONEachRow',
    });
    const [{ first }] = await events.json<{ first: string }>();
    const from = `${first.replace(' ', 'T')}Z`;
    const to = new Date(Date.parse(from) + 50_000).toISOString();

    const report = await verify(chain.organizationId, { from, to });

    expect(report).toMatchObject({ status: 'ok', firstSeq: 100, lastSeq: 151, checked: 52, complete: true });
  });

  it('should pinpoint a row whose columns were altered', async () => {
    const chain = await smallChain();
    const target = chain.links[119];
    await tamper(`ALTER TABLE ${table()} UPDATE action = 'delete' WHERE organization_id = '${chain.organizationId}' AND chain_seq = 120`);

    const report = await verify(chain.organizationId);

    expect(report.status).toBe('broken');
    expect(report.firstBreak).toMatchObject({ kind: 'altered', seq: 120, eventId: target.eventId, expected: target.hash });
    expect(report.firstBreak?.found).not.toBe(target.hash);
    expect(report.lastSeq).toBe(119);
  });

  it('should pinpoint a row that was rewritten with a recomputed hash', async () => {
    const chain = await smallChain();
    const [row] = await (
      await clickhouse.handle.client.query({
        query: `SELECT * FROM ${table()} WHERE organization_id = {org:String} AND chain_seq = 30`,
        query_params: { org: chain.organizationId },
        format: 'JSONEachRow',
      })
    ).json<StoredLink>();
    const forged = linkHash(row.chain_prev_hash, canonicalEventJson({ ...row, action: 'view' }, 30));
    await tamper(`ALTER TABLE ${table()} UPDATE action = 'view', chain_hash = '${forged}' WHERE organization_id = '${chain.organizationId}' AND chain_seq = 30`);

    const report = await verify(chain.organizationId);

    expect(report.firstBreak).toMatchObject({ kind: 'relinked', seq: 30, eventId: chain.links[29].eventId, expected: chain.links[29].hash, found: forged });
  });

  it('should pinpoint a deleted row', async () => {
    const chain = await smallChain();
    await tamper(`ALTER TABLE ${table()} DELETE WHERE organization_id = '${chain.organizationId}' AND chain_seq = 77`);

    const report = await verify(chain.organizationId);

    expect(report.firstBreak).toMatchObject({ kind: 'missing', seq: 77, eventId: null, expected: 'seq 77', found: 'seq 78' });
    expect(report.lastSeq).toBe(76);
  });

  it('should catch deleted newest rows against the signed checkpoint, and not without one', async () => {
    const chain = await smallChain();
    const checkpoint = signCheckpoint(key, chain.organizationId, chain.head);
    await tamper(`ALTER TABLE ${table()} DELETE WHERE organization_id = '${chain.organizationId}' AND chain_seq > 250`);
    // Whoever deletes rows can delete the ingester's head records with them.
    await tamper(`ALTER TABLE ${clickhouse.database}.audit_chain_heads DELETE WHERE organization_id = '${chain.organizationId}'`);

    const withoutCheckpoint = await verify(chain.organizationId);
    await chains.insertCheckpoints([checkpoint]);
    const withCheckpoint = await verify(chain.organizationId);

    expect(withoutCheckpoint).toMatchObject({ status: 'ok', lastSeq: 250 });
    expect(withCheckpoint).toMatchObject({ status: 'broken', lastSeq: 250 });
    expect(withCheckpoint.firstBreak).toMatchObject({ kind: 'truncated', seq: 251, found: 'seq 250', expected: `seq 300 (hash ${chain.head.hash})` });
    expect(withCheckpoint.checkpoint).toMatchObject({ chainSeq: 300, signature: 'valid', compared: true });
  });

  it("should catch deleted newest rows against the ingester's head record before any checkpoint", async () => {
    const chain = await smallChain();
    await tamper(`ALTER TABLE ${table()} DELETE WHERE organization_id = '${chain.organizationId}' AND chain_seq > 290`);

    const report = await verify(chain.organizationId);

    expect(report.firstBreak).toMatchObject({ kind: 'truncated', seq: 291, found: 'seq 290' });
  });

  it('should pinpoint two rows whose sequence numbers were swapped', async () => {
    const chain = await smallChain();
    const client = clickhouse.handle.client;
    const rows = await (
      await client.query({
        query: `SELECT * FROM ${table()} WHERE organization_id = {org:String} AND chain_seq IN (40, 60) ORDER BY chain_seq`,
        query_params: { org: chain.organizationId },
        format: 'JSONEachRow',
      })
    ).json<Record<string, unknown>>();
    await tamper(`ALTER TABLE ${table()} DELETE WHERE organization_id = '${chain.organizationId}' AND chain_seq IN (40, 60)`);
    await client.insert({ table: table(), format: 'JSONEachRow', values: [{ ...rows[0], chain_seq: 60 }, { ...rows[1], chain_seq: 40 }] });

    const report = await verify(chain.organizationId);

    expect(report.firstBreak).toMatchObject({ kind: 'reordered', seq: 40, eventId: chain.links[59].eventId, expected: chain.links[38].hash, found: chain.links[58].hash });
    expect(report.firstBreak?.detail).toContain('chained as link 60');
  });

  it('should report a checkpoint whose signature does not verify, and one that names another hash', async () => {
    const forgedChain = await smallChain(50);
    const genuine = signCheckpoint(key, forgedChain.organizationId, forgedChain.head);
    await chains.insertCheckpoints([{ ...genuine, chainHash: forgedChain.links[10].hash }]);
    const rebuiltChain = await smallChain(50);
    await chains.insertCheckpoints([signCheckpoint(key, rebuiltChain.organizationId, { seq: 20, hash: forgedChain.links[19].hash })]);

    const forged = await verify(forgedChain.organizationId);
    const rebuilt = await verify(rebuiltChain.organizationId);

    expect(forged.firstBreak).toMatchObject({ kind: 'checkpoint_invalid', seq: 50 });
    expect(forged.checkpoint).toMatchObject({ signature: 'invalid', compared: false });
    expect(rebuilt.firstBreak).toMatchObject({ kind: 'checkpoint_mismatch', seq: 20, eventId: rebuiltChain.links[19].eventId, expected: forgedChain.links[19].hash });
  });
});
