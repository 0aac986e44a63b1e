import { openTestClickHouse, type TestClickHouse } from '@audit/testing';
import { loadMigrations, renderMigration, runMigrations } from '@audit/clickhouse';

describe('runMigrations', () => {
  let clickhouse: TestClickHouse;

  beforeAll(async () => {
    clickhouse = await openTestClickHouse();
  });

  afterAll(async () => {
    await clickhouse?.close();
  });

  it('should record every migration and apply nothing on a second run', async () => {
    const options = { database: clickhouse.database, retentionDays: 2192, topology: 'single' as const };
    const second = await runMigrations(clickhouse.handle.client, options);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(loadMigrations(options).map((m) => `${String(m.version).padStart(4, '0')}_${m.name}`));
  });

  it('should issue no DDL when the schema is current, so an app connected as a SELECT-only user can boot', async () => {
    const client = clickhouse.handle.client;
    const commands: string[] = [];
    const recording = Object.assign(Object.create(client) as typeof client, {
      command: (params: Parameters<typeof client.command>[0]) => {
        commands.push(params.query);
        return client.command(params);
      },
    });
    const report = await runMigrations(recording, { database: clickhouse.database, retentionDays: 2192, topology: 'single' });
    expect(report.applied).toEqual([]);
    expect(commands).toEqual([]);
  });

  it('should create audit_events with a per-row retention TTL that defaults to the days it was given', async () => {
    const result = await clickhouse.handle.client.query({
      query: 'SELECT engine, create_table_query FROM system.tables WHERE database = {db:String} AND name = {table:String}',
      query_params: { db: clickhouse.database, table: 'audit_events' },
      format: 'JSONEachRow',
    });
    const [table] = await result.json<{ engine: string; create_table_query: string }>();
    expect(table.engine).toBe('ReplacingMergeTree');
    expect(table.create_table_query).toContain('`retention_days` UInt16 DEFAULT 2192');
    expect(table.create_table_query).toContain('TTL toDateTime(occurred_at) + toIntervalDay(retention_days)');
    expect(table.create_table_query).toContain('ttl_only_drop_parts = 0');
  });
});

describe('renderMigration', () => {
  it('should generate the replicated variant of the same source for a cluster', () => {
    const sql = 'CREATE TABLE {{database}}.t {{on_cluster}} (a UInt8) ENGINE = {{replacing_merge_tree}} ORDER BY a';
    expect(renderMigration(sql, { database: 'audit', retentionDays: 1, topology: 'cluster', cluster: 'main' })).toBe(
      "CREATE TABLE audit.t ON CLUSTER main (a UInt8) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/audit/{table}', '{replica}') ORDER BY a",
    );
  });

  it('should refuse a database name that is not a plain identifier', () => {
    expect(() => renderMigration('SELECT 1', { database: 'audit; DROP TABLE x', retentionDays: 1, topology: 'single' })).toThrow(/plain identifier/);
  });
});
