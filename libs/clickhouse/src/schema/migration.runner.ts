import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface MigrationOptions {
  database: string;
  retentionDays: number;
  topology: 'single' | 'cluster';
  cluster?: string;
  /** Folder of numbered `NNNN_name.sql` files. */
  directory?: string;
}

export interface Migration {
  version: number;
  name: string;
  checksum: string;
  statements: string[];
}

/** infra/clickhouse/migrations of this checkout, found from sources and from dist/ alike. */
export function defaultMigrationsDir(start: string = __dirname): string {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'infra', 'clickhouse', 'migrations');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`infra/clickhouse/migrations not found above ${start}`);
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;
/** Suffix of each shard's local table in the cluster topology. */
const LOCAL_SUFFIX = '_local';

function identifier(name: string, value: string): string {
  if (!IDENTIFIER.test(value)) throw new Error(`${name} must be a plain identifier, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * The values substituted into migration templates. The cluster variant is generated from the
 * same SQL: `{{on_cluster}}` and the engines switch to their replicated form, a table named
 * `x{{local}}` becomes each shard's `x_local`, and `{{distributed:x}}` becomes the Distributed
 * table `x` over it, sharded by organization (a tenant's rows live on one shard).
 */
function templateValues(options: MigrationOptions): Record<string, string> {
  const database = identifier('database', options.database);
  if (!Number.isInteger(options.retentionDays) || options.retentionDays < 1) throw new Error('retentionDays must be a positive integer');
  const cluster = options.topology === 'cluster';
  const clusterName = cluster ? identifier('cluster', options.cluster ?? '') : '';
  return {
    database,
    retention_days: String(options.retentionDays),
    on_cluster: cluster ? `ON CLUSTER ${clusterName}` : '',
    local: cluster ? LOCAL_SUFFIX : '',
    merge_tree: cluster ? `ReplicatedMergeTree('/clickhouse/tables/{shard}/${database}/{table}', '{replica}')` : 'MergeTree',
    replacing_merge_tree: cluster
      ? `ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/${database}/{table}', '{replica}')`
      : 'ReplacingMergeTree',
  };
}

function distributedTable(table: string, options: MigrationOptions, values: Record<string, string>): string {
  if (options.topology !== 'cluster') return '';
  const name = identifier('table', table);
  const cluster = identifier('cluster', options.cluster ?? '');
  // Ends its own statement: the sources write `{{distributed:x}}` without a semicolon, and without
  // one the next statement of the file would be sent glued to this one.
  return (
    `CREATE TABLE IF NOT EXISTS ${values.database}.${name} ${values.on_cluster} AS ${values.database}.${name}${LOCAL_SUFFIX} ` +
    `ENGINE = Distributed(${cluster}, ${values.database}, ${name}${LOCAL_SUFFIX}, cityHash64(organization_id));`
  );
}

/** A statement that exists only in the cluster topology (e.g. altering the Distributed table). */
const CLUSTER_ONLY = /\{\{cluster_only\}\}[^;]*;/g;

export function renderMigration(sql: string, options: MigrationOptions): string {
  const values = templateValues(options);
  const topologySql = sql.replace(CLUSTER_ONLY, (statement) => (options.topology === 'cluster' ? statement.slice('{{cluster_only}}'.length) : ''));
  return topologySql.replace(/\{\{(\w+)(?::(\w+))?\}\}/g, (_match, key: string, argument: string | undefined) => {
    if (key === 'distributed' && argument) return distributedTable(argument, options, values);
    if (argument !== undefined || !(key in values)) throw new Error(`unknown template variable {{${key}${argument ? `:${argument}` : ''}}}`);
    return values[key];
  });
}

/** Reads and renders the migrations in version order. */
export function loadMigrations(options: MigrationOptions): Migration[] {
  const directory = options.directory ?? defaultMigrationsDir();
  return readdirSync(directory)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => {
      const match = FILE_NAME.exec(file);
      if (!match) throw new Error(`migration file ${file} must be named NNNN_name.sql`);
      const source = readFileSync(join(directory, file), 'utf8');
      const rendered = renderMigration(source, options);
      return {
        version: Number(match[1]),
        name: match[2],
        checksum: createHash('sha256').update(source).digest('hex'),
        statements: rendered
          .split(/;\s*$/m)
          .map((statement) => statement.replace(/^\s*--.*$/gm, '').trim())
          .filter(Boolean),
      };
    });
}

/**
 * Since 0004 the audit_events TTL looks up the retention gate dictionary, which ClickHouse counts
 * as a non-deterministic TTL expression: it then refuses every ALTER of the table (adding a
 * column too) unless this setting is on.
 */
const MIGRATION_SETTINGS: ClickHouseSettings = { allow_suspicious_ttl_expressions: 1 };

const migrationLabel = (migration: Migration) => `${String(migration.version).padStart(4, '0')}_${migration.name}`;

/** version → checksum of the applied migrations. */
async function recordedMigrations(client: ClickHouseClient, database: string): Promise<Map<number, string>> {
  const result = await client.query({ query: `SELECT version, checksum FROM ${database}.schema_migrations ORDER BY version`, format: 'JSONEachRow' });
  return new Map((await result.json<{ version: number; checksum: string }>()).map((row) => [Number(row.version), row.checksum]));
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

/**
 * Applies the migrations that are not yet recorded in `schema_migrations`, in order. Running it
 * again is a no-op; an applied file whose content changed is an error (write a new migration).
 */
export async function runMigrations(client: ClickHouseClient, options: MigrationOptions): Promise<MigrationReport> {
  const migrations = loadMigrations(options);
  const values = templateValues(options);
  // A schema that is already current needs no DDL at all, so apps connected as least-privilege users
  // (SELECT on schema_migrations, no CREATE) boot against a database `audit migrate` prepared. Any
  // failure of this first read (no database or table yet) falls through to the path below, which throws.
  const current = await recordedMigrations(client, values.database).catch(() => undefined);
  if (current && migrations.every((migration) => current.get(migration.version) === migration.checksum)) {
    return { applied: [], alreadyApplied: migrations.map(migrationLabel) };
  }
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${values.database} ${values.on_cluster}` });
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${values.database}.schema_migrations ${values.on_cluster}
      (version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
      ENGINE = ${values.merge_tree} ORDER BY version`,
  });
  const recorded = await recordedMigrations(client, values.database);
  const report: MigrationReport = { applied: [], alreadyApplied: [] };
  for (const migration of migrations) {
    const label = migrationLabel(migration);
    const checksum = recorded.get(migration.version);
    if (checksum !== undefined) {
      if (checksum !== migration.checksum) {
        throw new Error(`migration ${label} was changed after it was applied; add a new migration instead`);
      }
      report.alreadyApplied.push(label);
      continue;
    }
    for (const statement of migration.statements) await client.command({ query: statement, clickhouse_settings: MIGRATION_SETTINGS });
    await client.insert({
      table: `${values.database}.schema_migrations`,
      values: [{ version: migration.version, name: migration.name, checksum: migration.checksum }],
      format: 'JSONEachRow',
    });
    report.applied.push(label);
  }
  return report;
}
