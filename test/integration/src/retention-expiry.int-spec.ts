import { AuditChainHeadsReader, AuditChainRepository, AuditExpiryRepository, LegalHoldRepository, RetentionGateRepository } from '@audit/clickhouse';
import { makeAuditEvent, type AuditEvent } from '@audit/contract';
import { ExpiryStatementWriter } from '@audit/ingest';
import { DAY_MS, parseAnchorLines, verifyStoredChain, type ChainReport, type ChainState, type SigningKey } from '@audit/integrity';
import { LegalHoldService, type ReadAuditTrail } from '@audit/query';
import { openTestClickHouse, storeChain, testSigningKey, uniqueName, type TestClickHouse } from '@audit/testing';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(180_000);

/**
 * Retention end to end on the ClickHouse engine: links stored with a one-day retention by blocks
 * whose recorded clock lies days back, the expiry job's rounds, and real TTL merges
 * (OPTIMIZE … FINAL), with `verify` after each step.
 */
describe('retention that keeps the chain verifiable', () => {
  let clickhouse: TestClickHouse;
  let chains: AuditChainRepository;
  let holds: LegalHoldService;
  let writer: ExpiryStatementWriter;
  let key: SigningKey;
  let dir: string;
  const now = Date.now();

  beforeAll(async () => {
    clickhouse = await openTestClickHouse();
    const { client } = clickhouse.handle;
    chains = new AuditChainRepository(client, clickhouse.database, { batchRows: 7 });
    const holdRecords = new LegalHoldRepository(client, clickhouse.database);
    const expiries = new AuditExpiryRepository(client, clickhouse.database);
    const gate = new RetentionGateRepository(client, clickhouse.database);
    // Audit events of placing, releasing and reading holds are the API tests' business: here they are acknowledged at once.
    const recorder = { record: async () => undefined };
    const trail = { record: () => undefined } as unknown as ReadAuditTrail;
    holds = new LegalHoldService(holdRecords, new AuditChainHeadsReader(client, clickhouse.database), expiries, gate, trail, recorder);
    key = testSigningKey().key;
    dir = mkdtempSync(join(tmpdir(), 'retention-expiry-'));
    writer = new ExpiryStatementWriter(
      { chains, expiries, holds: holdRecords, gate },
      key,
      { intervalMs: 60_000, file: join(dir, 'anchors.jsonl'), maxLinksPerRound: 1_000, retentionDaysFor: () => 1 },
    );
  });

  afterAll(async () => {
    await clickhouse?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `count` events that occurred at `at` (plus a second each), stored as one block recorded at `at` with a one-day retention. */
  async function store(organizationId: string, count: number, at: number, after?: ChainState, events?: AuditEvent[]): Promise<ChainState> {
    const batch = events ?? Array.from({ length: count }, (_, index) => makeAuditEvent({ organizationId, occurredAt: new Date(at + index * 1000).toISOString() }));
    return (await storeChain(clickhouse.handle, clickhouse.database, batch, { after, retention: { clock: at, days: 1 } })).head;
  }

  /** Ten links that expired two days ago (1…10), then ten that expire tomorrow (11…20). */
  async function expiringChain(organizationId: string): Promise<void> {
    const old = await store(organizationId, 10, now - 3 * DAY_MS);
    await store(organizationId, 10, now, old);
  }

  async function storedSeqs(organizationId: string): Promise<number[]> {
    const result = await clickhouse.handle.client.query({
      query: `SELECT chain_seq FROM ${clickhouse.database}.audit_events WHERE organization_id = {organizationId:String} ORDER BY chain_seq`,
      query_params: { organizationId },
      format: 'JSONEachRow',
    });
    return (await result.json<{ chain_seq: string | number }>()).map((row) => Number(row.chain_seq));
  }

  /** The links whose investigation entries (0006; one per row under its resource id) are stored. */
  async function enteredSeqs(organizationId: string): Promise<number[]> {
    const result = await clickhouse.handle.client.query({
      query: `SELECT chain_seq FROM ${clickhouse.database}.audit_event_keys WHERE organization_id = {organizationId:String} AND key_kind = 'resource' ORDER BY chain_seq`,
      query_params: { organizationId },
      format: 'JSONEachRow',
    });
    return (await result.json<{ chain_seq: string | number }>()).map((row) => Number(row.chain_seq));
  }

  /** A real TTL merge of every part, of the events and of their investigation entries. */
  async function ttlMerge(): Promise<void> {
    for (const table of ['audit_events', 'audit_event_keys']) await clickhouse.handle.client.command({ query: `OPTIMIZE TABLE ${clickhouse.database}.${table} FINAL` });
  }

  function verify(organizationId: string): Promise<ChainReport> {
    return verifyStoredChain(chains, { organizationId, publicKey: key.publicKey });
  }

  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

  it('removes nothing without a signed statement, then the expired prefix by a real TTL merge, with verify ok; a retained row deleted afterwards breaks it there', async () => {
    const organizationId = uniqueName('org_expiry');
    await expiringChain(organizationId);

    await ttlMerge();
    expect(await storedSeqs(organizationId)).toEqual(range(1, 20));
    expect(await enteredSeqs(organizationId)).toEqual(range(1, 20));

    const round = await writer.writeStatements(new Date(now));
    const statement = round.signed.find((signed) => signed.organizationId === organizationId);
    expect(statement).toMatchObject({ chainSeq: 10 });
    expect(parseAnchorLines(readFileSync(join(dir, 'anchors.jsonl'), 'utf8')).expiries.get(organizationId)).toEqual(statement);
    await ttlMerge();

    expect(await storedSeqs(organizationId)).toEqual(range(11, 20));
    expect(await enteredSeqs(organizationId)).toEqual(range(11, 20));
    expect(await verify(organizationId)).toMatchObject({ status: 'ok', firstSeq: 11, lastSeq: 20, checked: 10, expiry: { chainSeq: 10, signature: 'valid' } });

    await clickhouse.handle.client.command({
      query: `ALTER TABLE ${clickhouse.database}.audit_events DELETE WHERE organization_id = {organizationId:String} AND chain_seq = 14 SETTINGS mutations_sync = 2`,
      query_params: { organizationId },
    });
    expect(await verify(organizationId)).toMatchObject({ status: 'broken', firstBreak: { kind: 'missing', seq: 14 } });
  });

  it('keeps a backfilled event (occurred a year before it was recorded) until its neighbours expire, so it never leaves a hole', async () => {
    const organizationId = uniqueName('org_backfill');
    const first = await store(organizationId, 5, now - 3 * DAY_MS);
    const backfilled = makeAuditEvent({ organizationId, occurredAt: new Date(now - 400 * DAY_MS).toISOString() });
    const recordedAt = now - 2 * DAY_MS;
    const second = await store(organizationId, 3, recordedAt, first, [makeAuditEvent({ organizationId, occurredAt: new Date(recordedAt).toISOString() }), backfilled]);
    await store(organizationId, 5, now, second);

    // Under a TTL counted from occurredAt, this merge would remove link 7 alone: a hole in the chain.
    await ttlMerge();
    expect(await storedSeqs(organizationId)).toEqual(range(1, 12));
    expect(await verify(organizationId)).toMatchObject({ status: 'ok', firstSeq: 1, lastSeq: 12 });

    await writer.writeStatements(new Date(now));
    await ttlMerge();
    expect(await storedSeqs(organizationId)).toEqual(range(8, 12));
    expect(await verify(organizationId)).toMatchObject({ status: 'ok', firstSeq: 8, expiry: { chainSeq: 7 } });
  });

  const owner = (organizationId: string) => ({ subject: 'user_owner', email: 'owner@example.com', organizationId, role: 'owner' as const });

  async function placeHold(organizationId: string, window: { from: string; to: string }): Promise<string> {
    return (await holds.place(owner(organizationId), { reason: 'litigation 2026-17', ...window })).holdId;
  }

  async function releaseHold(organizationId: string, holdId: string): Promise<void> {
    await holds.release(owner(organizationId), holdId, { reason: 'case closed' });
  }

  /** The occurred_at window of links `from`…`to` of a chain built by `expiringChain`. */
  const windowOf = (from: number, to: number) => ({ from: new Date(now - 3 * DAY_MS + (from - 1) * 1000).toISOString(), to: new Date(now - 3 * DAY_MS + to * 1000).toISOString() });

  it('keeps held links past their expiry through TTL merges, and lets them go once the hold is released, with verify ok throughout', async () => {
    const organizationId = uniqueName('org_hold');
    await expiringChain(organizationId);
    const holdId = await placeHold(organizationId, windowOf(5, 7));

    await writer.writeStatements(new Date(now));
    await ttlMerge();
    // Expiry stays a prefix: the hold keeps its first link and every one after it.
    expect(await storedSeqs(organizationId)).toEqual(range(5, 20));
    expect(await verify(organizationId)).toMatchObject({ status: 'ok', firstSeq: 5, expiry: { chainSeq: 4 } });
    // An investigation still finds the held links, and no longer has entries for the expired ones.
    expect(await enteredSeqs(organizationId)).toEqual(range(5, 20));

    await releaseHold(organizationId, holdId);
    await writer.writeStatements(new Date(now));
    await ttlMerge();
    expect(await storedSeqs(organizationId)).toEqual(range(11, 20));
    expect(await verify(organizationId)).toMatchObject({ status: 'ok', firstSeq: 11, expiry: { chainSeq: 10 } });
    expect(await enteredSeqs(organizationId)).toEqual(range(11, 20));
  });

  it('keeps links a statement already covers when a hold arrives before the TTL merge, until it is released', async () => {
    const organizationId = uniqueName('org_late_hold');
    await expiringChain(organizationId);
    // The background TTL merge waits until the hold is placed, as it may in production (every merge_with_ttl_timeout).
    await clickhouse.handle.client.command({ query: `SYSTEM STOP TTL MERGES ${clickhouse.database}.audit_events` });
    await writer.writeStatements(new Date(now));
    const holdId = await placeHold(organizationId, windowOf(5, 7));
    await clickhouse.handle.client.command({ query: `SYSTEM START TTL MERGES ${clickhouse.database}.audit_events` });

    await ttlMerge();
    expect(await storedSeqs(organizationId)).toEqual(range(5, 20));
    expect(await verify(organizationId)).toMatchObject({ status: 'ok', firstSeq: 11, expiry: { chainSeq: 10 } });

    await releaseHold(organizationId, holdId);
    await writer.writeStatements(new Date(now));
    await ttlMerge();
    expect(await storedSeqs(organizationId)).toEqual(range(11, 20));
  });

  it('signs nothing over links that do not verify: a rewritten expired row keeps every link of its organization', async () => {
    const organizationId = uniqueName('org_rewritten');
    await expiringChain(organizationId);
    // Rewriting the expiry of recent links to make them look expired breaks their hashes.
    await clickhouse.handle.client.command({
      query: `ALTER TABLE ${clickhouse.database}.audit_events UPDATE action = 'view' WHERE organization_id = {organizationId:String} AND chain_seq = 6 SETTINGS mutations_sync = 2`,
      query_params: { organizationId },
    });

    const round = await writer.writeStatements(new Date(now));
    await ttlMerge();

    expect(round.refused).toEqual([expect.objectContaining({ organizationId, break: expect.objectContaining({ kind: 'altered', seq: 6 }) })]);
    expect(round.signed.map((statement) => statement.organizationId)).not.toContain(organizationId);
    expect(await storedSeqs(organizationId)).toEqual(range(1, 20));
  });
});
