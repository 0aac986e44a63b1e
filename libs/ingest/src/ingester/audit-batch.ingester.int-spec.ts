import { AuditChainHeadsReader, AuditEventsWriteRepository, toClickHouseTime } from '@audit/clickhouse';
import { LIMITS, makeAuditEvent, serializeAuditEvent, validateAuditEvent, type AuditEvent } from '@audit/contract';
import { canonicalEventJson, GENESIS_HASH, linkHash, RetentionPolicy, type ChainedColumns } from '@audit/integrity';
import { openTestClickHouse, type TestClickHouse } from '@audit/testing';
import { AuditBatchIngester } from './audit-batch.ingester';
import { ChainHeadsCache } from '../chain/chain-heads.cache';
import type { DeadLetter } from '../dead-letters/dead-letter.publisher';
import type { PartitionBatch } from '../transport/kafka-batch.transport';

/** Text that must come back from ClickHouse byte for byte, or a verifier would report tampering. */
const AWKWARD = ['emoji 🧾👩🏽‍⚕️', '漢字とかな', 'quote " backslash \\ slash /', 'combining e\u0301', '<script>alert(1)</script>', "'; DROP TABLE audit_events; --", '\u00a0nbsp \ufeff bom'];

function batchOf(events: AuditEvent[], first: number): PartitionBatch {
  const last = first + events.length - 1;
  return {
    topic: 'audit.roundtrip',
    partition: 0,
    first: String(first),
    last: String(last),
    deduplicationToken: `audit.roundtrip:0:${first}-${last}`,
    clock: Date.now(),
    messages: events.map((event, index) => ({ offset: String(first + index), key: Buffer.from(event.organizationId), value: Buffer.from(serializeAuditEvent(event)), timestamp: '0', attributes: 0, headers: {} })),
  };
}

describe('AuditBatchIngester on the real engine', () => {
  let clickhouse: TestClickHouse;
  beforeAll(async () => {
    clickhouse = await openTestClickHouse();
  });
  afterAll(async () => {
    await clickhouse.close();
  });

  it('should store links whose hashes recompute from the rows ClickHouse returns, whatever the text', async () => {
    const { client } = clickhouse.handle;
    const letters: DeadLetter[] = [];
    const ingester = new AuditBatchIngester(
      new AuditEventsWriteRepository(client, clickhouse.database, clickhouse.handle.chdb),
      { publish: async (batch: DeadLetter[]) => (letters.push(...batch), []) },
      { chains: new ChainHeadsCache(new AuditChainHeadsReader(client, clickhouse.database)) },
    );
    const events = AWKWARD.map((text, index) =>
      makeAuditEvent({ organizationId: 'org_text', actor: { id: `user_${index}`, type: 'user', name: text }, reason: text, metadata: { text, n: index * 1.5, big: 9007199254740991, tiny: 5e-324, flag: true }, changes: [{ field: 'name', before: text, after: `${text}!` }] }),
    );
    // An upper-case id is valid; ClickHouse's UUID column returns it lower-case, which the canonical form uses.
    events[0] = { ...events[0], id: events[0].id.toUpperCase() };
    for (const event of events) expect(validateAuditEvent(event)).toMatchObject({ ok: true });
    await ingester.ingest(batchOf(events.slice(0, 4), 0));
    await ingester.ingest(batchOf(events.slice(4), 4));
    expect(letters).toEqual([]);

    const result = await client.query({ query: `SELECT * FROM ${clickhouse.database}.audit_events ORDER BY chain_seq`, format: 'JSONEachRow' });
    const rows = await result.json<ChainedColumns & { chain_seq: string; chain_prev_hash: string; chain_hash: string }>();
    expect(rows.map((row) => Number(row.chain_seq))).toEqual(events.map((_, index) => index + 1));
    let previous = GENESIS_HASH;
    for (const row of rows) {
      const columns = { ...row, occurred_at: toClickHouseTime(row.occurred_at.replace(' ', 'T')) };
      expect(row.chain_prev_hash).toBe(previous);
      expect(row.chain_hash).toBe(linkHash(previous, canonicalEventJson(columns, Number(row.chain_seq))));
      previous = row.chain_hash;
    }
    expect(rows.map((row) => row.actor_name)).toEqual(AWKWARD);
  });

  it('should chain thousands of organizations with long keys in one block, reading their heads in requests of bounded size', async () => {
    const { client } = clickhouse.handle;
    const organizations = Array.from({ length: 3000 }, (_, index) => `org_${String(index).padStart(6, '0')}_`.padEnd(LIMITS.organizationIdLength, 'k'));
    const asked: number[] = [];
    // The real client, counting the organizations each heads query asks for.
    const counting = new Proxy(client, {
      get: (target, name) => (name === 'query' ? (params: { query_params?: { organizations?: string[] } }) => (asked.push(params.query_params?.organizations?.length ?? 0), target.query(params as never)) : Reflect.get(target, name)),
    });
    const ingesterFor = () =>
      new AuditBatchIngester(new AuditEventsWriteRepository(client, clickhouse.database, clickhouse.handle.chdb), { publish: async () => [] }, { chains: new ChainHeadsCache(new AuditChainHeadsReader(counting, clickhouse.database)) });
    await ingesterFor().ingest(batchOf(organizations.map((organizationId) => makeAuditEvent({ organizationId })), 1000));
    // A new ingester (a restart) reads every head back before chaining the next block on.
    asked.length = 0;
    await ingesterFor().ingest(batchOf(organizations.map((organizationId) => makeAuditEvent({ organizationId })), 4000));

    expect(asked.length).toBeGreaterThan(10);
    expect(asked.reduce((sum, count) => sum + count, 0)).toBe(organizations.length);
    const result = await client.query({
      query: `SELECT uniqExact(organization_id) AS organizations, countIf(chain_seq = 2) AS second, countIf(chain_seq > 2) AS beyond FROM ${clickhouse.database}.audit_events WHERE length(organization_id) = {length:UInt32}`,
      query_params: { length: LIMITS.organizationIdLength },
      format: 'JSONEachRow',
    });
    // UInt64 comes back as a string from a server, as a number from chDB.
    const [counts] = (await result.json<Record<string, string | number>>()).map((row) => Object.fromEntries(Object.entries(row).map(([name, value]) => [name, Number(value)])));
    expect(counts).toEqual({ organizations: organizations.length, second: organizations.length, beyond: 0 });
  }, 120_000);

  it("should store each row with its organization's retention, which the table's TTL reads", async () => {
    const { client } = clickhouse.handle;
    const ingester = new AuditBatchIngester(
      new AuditEventsWriteRepository(client, clickhouse.database, clickhouse.handle.chdb),
      { publish: async () => [] },
      { chains: new ChainHeadsCache(new AuditChainHeadsReader(client, clickhouse.database)), retentionDaysFor: new RetentionPolicy(2192, 'org_short=365').retentionDaysFor },
    );
    await ingester.ingest(batchOf([makeAuditEvent({ organizationId: 'org_short' }), makeAuditEvent({ organizationId: 'org_long' })], 100));
    const result = await client.query({
      query: `SELECT organization_id, retention_days FROM ${clickhouse.database}.audit_events WHERE organization_id IN ('org_short', 'org_long') ORDER BY organization_id`,
      format: 'JSONEachRow',
    });
    expect(await result.json()).toEqual([
      { organization_id: 'org_long', retention_days: 2192 },
      { organization_id: 'org_short', retention_days: 365 },
    ]);
  });
});
