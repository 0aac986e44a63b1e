import { AuditEventsReadRepository, AuditEventsWriteRepository, keyOf, loadMigrations, renderMigration, toAuditEventRow } from '@audit/clickhouse';
import { makeAuditEvent, type AuditEvent } from '@audit/contract';
import { openTestClickHouse, uniqueName, type TestClickHouse } from '@audit/testing';

jest.setTimeout(120_000);

const ROWS = 400_000;
const FROM = '2026-01-01T00:00:00.000Z';
const TO = '2026-03-01T00:00:00.000Z';

interface SkipIndexUse {
  name: string;
  selected: number;
  total: number;
}

describe('audit_events storage', () => {
  let clickhouse: TestClickHouse;
  let reader: AuditEventsReadRepository;
  let writer: AuditEventsWriteRepository;

  /** The granules each skip index kept, from `EXPLAIN indexes = 1`. */
  async function skipIndexes(where: string, params: Record<string, unknown>): Promise<SkipIndexUse[]> {
    const result = await clickhouse.handle.client.query({
      query: `EXPLAIN indexes = 1 SELECT event_id FROM ${clickhouse.database}.audit_events WHERE ${where}`,
      query_params: params,
      format: 'TabSeparatedRaw',
    });
    const plan = await result.text();
    return [...plan.matchAll(/Name: (\w+)\n(?:.*\n)*?\s+Granules: (\d+)\/(\d+)/g)].map((m) => ({ name: m[1], selected: Number(m[2]), total: Number(m[3]) }));
  }

  beforeAll(async () => {
    clickhouse = await openTestClickHouse();
    reader = new AuditEventsReadRepository(clickhouse.handle.client, clickhouse.database);
    writer = new AuditEventsWriteRepository(clickhouse.handle.client, clickhouse.database);
    // Generated inside ClickHouse: 100 organizations over two months, 50 members each, 100,000 resources.
    await clickhouse.handle.client.command({
      query: `INSERT INTO ${clickhouse.database}.audit_events
        (event_id, organization_id, occurred_at, actor_id, actor_type, actor_email, action, resource_type, resource_id, status, schema_version, kafka_partition, kafka_offset)
        SELECT generateUUIDv7(), concat('org_', toString(number % 100)), toDateTime64({from:DateTime64(3, 'UTC')}, 3, 'UTC') + toIntervalMillisecond(number * 12000),
               concat('user_', toString(number % 100), '_', toString(cityHash64(number, 1) % 50)), 'user',
               concat('u', toString(number % 100), '_', toString(cityHash64(number, 1) % 50), '@example.com'),
               'update', 'Member', concat('res_', toString(cityHash64(number, 2) % 100000)), 'success', 1, 0, number
        FROM numbers({rows:UInt64})`,
      query_params: { from: '2026-01-01 00:00:00.000', rows: ROWS },
    });
    await clickhouse.handle.client.command({ query: `OPTIMIZE TABLE ${clickhouse.database}.audit_events FINAL` });
  });

  afterAll(async () => {
    await clickhouse?.close();
  });

  it('should skip most granules for one actor email with the actor bloom filter', async () => {
    const [actor] = (await skipIndexes('actor_email = {email:String} OR actor_id = {email:String}', { email: 'u42_7@example.com' })).filter((i) => i.name === 'idx_actor');
    expect(actor.total).toBeGreaterThan(10);
    expect(actor.selected).toBeLessThan(actor.total / 2);
  });

  it('should skip most granules for one actor id with the same index', async () => {
    const [actor] = (await skipIndexes('actor_email = {id:String} OR actor_id = {id:String}', { id: 'user_42_7' })).filter((i) => i.name === 'idx_actor');
    expect(actor.selected).toBeLessThan(actor.total / 2);
  });

  it('should skip most granules for one resource id with the resource bloom filter', async () => {
    const [resource] = (await skipIndexes('resource_id = {id:String}', { id: 'res_4242' })).filter((i) => i.name === 'idx_resource_id');
    expect(resource.total).toBeGreaterThan(10);
    expect(resource.selected).toBeLessThan(resource.total / 2);
  });

  it('should read a page of one organization in primary-key order, not the whole window', async () => {
    // The page order's last tie-breaks (organization, digest) only finish sorting rows that share a time and an id.
    const result = await clickhouse.handle.client.query({
      query: `EXPLAIN indexes = 1 SELECT event_id, lower(hex(content_digest)) FROM ${clickhouse.database}.audit_events
              WHERE organization_id = 'org_7' AND occurred_at >= '2026-01-01'
              ORDER BY occurred_at DESC, event_id DESC, organization_id DESC, content_digest DESC LIMIT 51`,
      format: 'TabSeparatedRaw',
    });
    const plan = await result.text();
    expect(plan).toContain('Read type: InReverseOrder');
    const [, selected, total] = /PrimaryKey[\s\S]*?Granules: (\d+)\/(\d+)/.exec(plan) ?? [];
    expect(Number(selected)).toBeLessThan(Number(total) / 10);
  });

  it('should never return a re-sent event twice in pages, exports or facets', async () => {
    const organizationId = uniqueName('org_dupes');
    const events: AuditEvent[] = Array.from({ length: 30 }, (_, i) =>
      makeAuditEvent({ organizationId, occurredAt: new Date(Date.parse('2026-02-01T00:00:00Z') + Math.floor(i / 2) * 1000).toISOString() }),
    );
    const rows = events.map((event, i) => toAuditEventRow(event, { topic: 'seed', partition: 0, offset: String(i) }));
    await writer.insert(rows, { deduplicationToken: uniqueName('first') });
    // The same events again in another block (a producer's retry): stored twice until a merge.
    await writer.insert(rows, { deduplicationToken: uniqueName('again') });
    const scope = { organizationId };
    const filter = { from: FROM, to: TO };

    const seen: string[] = [];
    let page = await reader.findPage(scope, filter, { limit: 7 });
    seen.push(...page.rows.map((r) => r.event_id));
    while (page.hasMore) {
      page = await reader.findPage(scope, filter, { limit: 7, olderThan: keyOf(page.rows.at(-1)!) });
      seen.push(...page.rows.map((r) => r.event_id));
    }
    expect(seen).toHaveLength(30);
    expect(new Set(seen).size).toBe(30);

    const exported: string[] = [];
    for await (const batch of reader.streamAll(scope, filter, 4)) exported.push(...batch.map((r) => r.event_id));
    expect(exported.sort()).toEqual(events.map((e) => e.id).sort());

    const facets = await reader.countFacets(scope, filter);
    expect(facets.status).toEqual([{ value: 'success', count: 30 }]);
  });

  it('should refuse a result larger than max_result_rows with a typed error, not partial rows', async () => {
    const strict = new AuditEventsReadRepository(clickhouse.handle.client, clickhouse.database, {
      maxExecutionTimeSeconds: 1,
      maxMemoryUsageBytes: 1_000_000_000,
      maxResultRows: 10,
    });
    // Ten rows at most: a page of 50 over all organizations is refused by the result limit.
    await expect(strict.findPage('all', { from: FROM, to: TO }, { limit: 50 })).rejects.toMatchObject({ type: 'TOO_MANY_ROWS_OR_BYTES' });
  });
});

describe('cluster topology', () => {
  it('should render the replicated local table and a Distributed table sharded by organization from the same source', () => {
    const [migration] = loadMigrations({ database: 'audit', retentionDays: 2192, topology: 'cluster', cluster: 'audit_cluster' });
    expect(migration.statements).toHaveLength(2);
    const [local, distributed] = migration.statements;
    expect(local).toContain('CREATE TABLE IF NOT EXISTS audit.audit_events_local ON CLUSTER audit_cluster');
    expect(local).toContain("ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/audit/{table}', '{replica}')");
    expect(local).toContain('ORDER BY (organization_id, occurred_at, event_id)');
    expect(distributed).toBe(
      'CREATE TABLE IF NOT EXISTS audit.audit_events ON CLUSTER audit_cluster AS audit.audit_events_local ' +
        'ENGINE = Distributed(audit_cluster, audit, audit_events_local, cityHash64(organization_id))',
    );
  });

  it('should render a single table and no Distributed table on one server', () => {
    const [migration] = loadMigrations({ database: 'audit', retentionDays: 30, topology: 'single' });
    expect(migration.statements).toHaveLength(1);
    expect(migration.statements[0]).toContain('CREATE TABLE IF NOT EXISTS audit.audit_events ');
    expect(migration.statements[0]).toContain('ENGINE = ReplacingMergeTree');
    expect(migration.statements[0]).toContain('toIntervalDay(30)');
  });

  it('should render the content digest for the shard tables and the Distributed table, and once on one server', () => {
    const digest = (topology: 'single' | 'cluster') =>
      loadMigrations({ database: 'audit', retentionDays: 30, topology, cluster: 'audit_cluster' }).find((migration) => migration.name === 'content_digest')!.statements;
    const [local, distributed] = digest('cluster');
    expect(local).toMatch(/^ALTER TABLE audit\.audit_events_local ON CLUSTER audit_cluster\s+ADD COLUMN IF NOT EXISTS content_digest FixedString\(32\) MATERIALIZED SHA256/);
    expect(distributed).toMatch(/^ALTER TABLE audit\.audit_events ON CLUSTER audit_cluster\s+ADD COLUMN IF NOT EXISTS content_digest FixedString\(32\) MATERIALIZED SHA256/);
    expect(digest('single')).toEqual([local.replace('audit_events_local ON CLUSTER audit_cluster', 'audit_events ')]);
  });

  it('should refuse an unknown template directive', () => {
    expect(() => renderMigration('{{nothing:here}}', { database: 'a', retentionDays: 1, topology: 'single' })).toThrow(/unknown template variable/);
  });
});
