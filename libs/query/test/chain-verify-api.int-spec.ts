import { AuditChainRepository, AuditExpiryRepository } from '@audit/clickhouse';
import type { AuditEvent } from '@audit/contract';
import { DAY_MS, signCheckpoint, signExpiryStatement, type ChainReport } from '@audit/integrity';
import { chainEvents, readTopic, storeChain, testKafka, testSigningKey, uniqueName, type StoredTestChain } from '@audit/testing';
import { getJson, startQueryTestApp, token, type QueryTestApp } from './query-test-app';

jest.setTimeout(120_000);

describe('GET /v1/audit-logs/verify', () => {
  let api: QueryTestApp;
  let chain: StoredTestChain;
  let long: StoredTestChain;
  const signing = testSigningKey();
  const orgA = uniqueName('org_verify_a');
  const orgB = uniqueName('org_verify_b');

  beforeAll(async () => {
    api = await startQueryTestApp({ AUDIT_CHAIN_SIGNING_KEY: signing.pem, QUERY_VERIFY_MAX_ROWS: '1000' });
    chain = await storeChain(api.clickhouse, api.database, chainEvents(orgA, 200));
    long = await storeChain(api.clickhouse, api.database, chainEvents(orgB, 1_500));
    await new AuditChainRepository(api.clickhouse.client, api.database).insertCheckpoints([signCheckpoint(signing.key, orgA, chain.head)]);
  });

  afterAll(async () => {
    await api?.close();
  });

  const verify = async (query: string, bearer?: string) => getJson<ChainReport & { code?: string; field?: string }>(api.baseUrl, `/v1/audit-logs/verify${query}`, bearer);

  it("should verify the owner's organization against its signed checkpoint", async () => {
    const { status, body } = await verify('', await token(orgA, 'owner'));

    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', organizationId: orgA, checked: 200, lastSeq: 200, head: { seq: chain.head.seq, hash: chain.head.hash }, complete: true });
    expect(body.checkpoint).toMatchObject({ chainSeq: 200, signature: 'valid', compared: true });
  });

  it('should verify a time window for an admin', async () => {
    const { status, body } = await verify(`?from=${chain.links[100].occurredAt}`, await token(orgA, 'admin'));

    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', firstSeq: 100, lastSeq: 200, checked: 101 });
  });

  it('should answer 401 without a token and 403 for a member', async () => {
    expect((await verify('')).status).toBe(401);
    expect((await verify('', await token(orgA, 'member'))).status).toBe(403);
  });

  it('should refuse an owner naming another organization, and the security role naming none', async () => {
    const owner = await verify(`?organizationId=${orgB}`, await token(orgA, 'owner'));
    const security = await verify('', await token('org_sec', 'security'));

    expect(owner).toMatchObject({ status: 403, body: { code: 'forbidden', field: 'organizationId' } });
    expect(security).toMatchObject({ status: 400, body: { code: 'invalid_parameter', field: 'organizationId' } });
  });

  it('should stop at QUERY_VERIFY_MAX_ROWS and say where to go on, for the security role naming the organization', async () => {
    const { status, body } = await verify(`?organizationId=${orgB}`, await token('org_sec', 'security'));

    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', organizationId: orgB, checked: 1000, lastSeq: 1000, complete: false, nextSeq: 1001 });
    expect(long.head.seq).toBe(1500);
  });

  it('should report the first broken link of a tampered chain', async () => {
    await api.clickhouse.client.command({
      query: `ALTER TABLE ${api.database}.audit_events UPDATE resource_id = 'member_x' WHERE organization_id = {org:String} AND chain_seq = 150 SETTINGS mutations_sync = 2`,
      query_params: { org: orgA },
    });

    const { status, body } = await verify('', await token(orgA, 'owner'));

    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'broken', lastSeq: 149, firstBreak: { kind: 'altered', seq: 150, eventId: chain.links[149].eventId, expected: chain.links[149].hash } });
  });

  it('should start after the newest expiry statement, whose links are gone, and refuse it once altered', async () => {
    const orgC = uniqueName('org_verify_expired');
    const recorded = Date.now() - 3 * DAY_MS;
    const expired = await storeChain(api.clickhouse, api.database, chainEvents(orgC, 10, recorded), { retention: { clock: recorded, days: 1 } });
    await storeChain(api.clickhouse, api.database, chainEvents(orgC, 5), { after: expired.head, retention: { clock: Date.now(), days: 1 } });
    const statement = signExpiryStatement(signing.key, orgC, expired.head, expired.head.expiresAt);
    const expiries = new AuditExpiryRepository(api.clickhouse.client, api.database);
    await expiries.insert([statement]);
    // What the TTL does once the statement is stored.
    await api.clickhouse.client.command({
      query: `ALTER TABLE ${api.database}.audit_events DELETE WHERE organization_id = {org:String} AND chain_seq <= 10 SETTINGS mutations_sync = 2`,
      query_params: { org: orgC },
    });
    const security = await token('org_sec', 'security');

    const { body } = await verify(`?organizationId=${orgC}`, security);
    await expiries.insert([{ ...statement, chainSeq: 11, signedAt: new Date().toISOString() }]);
    const altered = await verify(`?organizationId=${orgC}`, security);

    expect(body).toMatchObject({ status: 'ok', firstSeq: 11, lastSeq: 15, checked: 5, expiry: { chainSeq: 10, chainHash: expired.head.hash, signature: 'valid' } });
    expect(altered.body).toMatchObject({ status: 'broken', firstBreak: { kind: 'expiry_invalid', seq: 11 }, expiry: { signature: 'invalid' } });
  });

  it('should record each verification as a view of the AuditLog', async () => {
    const subject = uniqueName('verifier');
    await verify('?from=2026-01-01T00:00:00Z', await token(orgA, 'owner', { subject }));

    const messages = await readTopic(testKafka('verify-audit-reader'), api.topic, { count: 5 });
    const events = messages.map((message) => JSON.parse(message.value ?? '{}') as AuditEvent);

    expect(events.find((event) => event.actor.id === subject)).toMatchObject({
      organizationId: orgA,
      action: 'view',
      resource: { type: 'AuditLog', id: orgA },
      metadata: { endpoint: 'verify', from: '2026-01-01T00:00:00.000Z', role: 'owner' },
    });
  });
});
