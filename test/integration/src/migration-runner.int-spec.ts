import { openTestClickHouse, type TestClickHouse } from '@audit/testing';
import { defaultMigrationsDir, loadMigrations, renderMigration, runMigrations } from '@audit/clickhouse';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

  it('should create audit_events with a TTL that removes only links a signed statement covers and no hold keeps, and per-row retention that defaults to the days it was given', async () => {
    const result = await clickhouse.handle.client.query({
      query: 'SELECT engine, create_table_query FROM system.tables WHERE database = {db:String} AND name = {table:String}',
      query_params: { db: clickhouse.database, table: 'audit_events' },
      format: 'JSONEachRow',
    });
    const [table] = await result.json<{ engine: string; create_table_query: string }>();
    expect(table.engine).toBe('ReplacingMergeTree');
    expect(table.create_table_query).toContain('`retention_days` UInt16 DEFAULT 2192');
    expect(table.create_table_query).toContain(
      `TTL if((chain_seq <= dictGetOrDefault('${clickhouse.database}.audit_retention_gate', 'expired_through', tuple(organization_id), toUInt64(0))) AND ` +
        `(chain_seq < dictGetOrDefault('${clickhouse.database}.audit_retention_gate', 'held_from', tuple(organization_id), toUInt64(18446744073709551615))), ` +
        `toDateTime(ifNull(expires_at, occurred_at + toIntervalDay(retention_days))), toDateTime('2106-01-01 00:00:00', 'UTC'))`,
    );
    expect(table.create_table_query).toContain('ttl_only_drop_parts = 0');
    expect(table.create_table_query).toContain('materialize_ttl_recalculate_only = 1');
  });

  it('should let a later migration alter audit_events although its TTL reads a dictionary', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'migrations-'));
    try {
      for (const file of readdirSync(defaultMigrationsDir())) copyFileSync(join(defaultMigrationsDir(), file), join(directory, file));
      writeFileSync(join(directory, '9999_later_column.sql'), 'ALTER TABLE {{database}}.audit_events{{local}} {{on_cluster}} ADD COLUMN IF NOT EXISTS later_column UInt8;\n');
      const report = await runMigrations(clickhouse.handle.client, { database: clickhouse.database, retentionDays: 2192, topology: 'single', directory });
      expect(report.applied).toEqual(['9999_later_column']);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('renderMigration', () => {
  it('should generate the replicated variant of the same source for a cluster', () => {
    const sql = 'CREATE TABLE {{database}}.t {{on_cluster}} (a UInt8) ENGINE = {{replacing_merge_tree}} ORDER BY a';
    expect(renderMigration(sql, { database: 'audit', retentionDays: 1, topology: 'cluster', cluster: 'main' })).toBe(
      "CREATE TABLE audit.t ON CLUSTER main (a UInt8) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/audit/{table}', '{replica}') ORDER BY a",
    );
  });

  it('should render every statement of the cluster variant on its own, a Distributed table followed by more DDL too', () => {
    const statements = loadMigrations({ database: 'audit', retentionDays: 2192, topology: 'cluster', cluster: 'main' }).flatMap((migration) => migration.statements);

    expect(statements.filter((statement) => (statement.match(/^\s*(CREATE|ALTER|INSERT)\b/gm) ?? []).length !== 1)).toEqual([]);
  });

  it('should render the retention gate of the cluster variant over each shard’s local tables, with the TTL on the local table', () => {
    const statements = loadMigrations({ database: 'audit', retentionDays: 2192, topology: 'cluster', cluster: 'main' }).flatMap((migration) => migration.statements);
    const dictionary = statements.find((statement) => statement.startsWith('CREATE DICTIONARY'));
    const ttl = statements.find((statement) => /MODIFY TTL if\(/.test(statement));

    expect(dictionary).toMatch(/^CREATE DICTIONARY IF NOT EXISTS audit\.audit_retention_gate ON CLUSTER main/);
    expect(dictionary).toContain('FROM audit.audit_expiry_statements_local GROUP BY');
    expect(dictionary).toContain('FROM audit.audit_legal_holds_local GROUP BY');
    expect(dictionary).toContain('NAME audit_retention_gate_source');
    expect(statements).toContain("CREATE NAMED COLLECTION IF NOT EXISTS audit_retention_gate_source ON CLUSTER main AS user = 'default', password = ''");
    expect(dictionary).not.toMatch(/audit_(expiry_statements|legal_holds)[^_]/);
    expect(ttl).toMatch(/^ALTER TABLE audit\.audit_events_local ON CLUSTER main\s+MODIFY TTL/);
    expect(ttl).toContain("dictGetOrDefault('audit.audit_retention_gate'");
    for (const table of ['audit_expiry_statements', 'audit_legal_holds']) {
      expect(statements).toContainEqual(expect.stringMatching(new RegExp(`^CREATE TABLE IF NOT EXISTS audit\\.${table}_local ON CLUSTER main[\\s\\S]*ReplicatedMergeTree`)));
      expect(statements).toContain(`CREATE TABLE IF NOT EXISTS audit.${table} ON CLUSTER main AS audit.${table}_local ENGINE = Distributed(main, audit, ${table}_local, cityHash64(organization_id))`);
    }
    expect(statements).toContainEqual(expect.stringMatching(/^ALTER TABLE audit\.audit_events ON CLUSTER main\s+ADD COLUMN IF NOT EXISTS expires_at/));
  });

  it('should refuse a database name that is not a plain identifier', () => {
    expect(() => renderMigration('SELECT 1', { database: 'audit; DROP TABLE x', retentionDays: 1, topology: 'single' })).toThrow(/plain identifier/);
  });
});
