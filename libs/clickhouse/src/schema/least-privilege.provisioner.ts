import type { ClickHouseClient } from '@clickhouse/client';

/** One service account: its role's name is the user's name with `_role`. */
export interface ServiceAccount {
  user: string;
  password: string;
}

export interface LeastPrivilegeOptions {
  database: string;
  topology: 'single' | 'cluster';
  cluster?: string;
  ingestor: ServiceAccount;
  queryApi: ServiceAccount;
}

/** The retention gate dictionary (migration 0004): each node has its own, there is no `_local` twin. */
const RETENTION_GATE = 'audit_retention_gate';
/** A global privilege's target. */
const GLOBAL = '*.*';

/**
 * What each app may do, object by object. Nothing may UPDATE, DELETE, TRUNCATE or DROP. The one
 * ALTER is MATERIALIZE TTL on audit_events, for the expiry job: with the table's
 * `materialize_ttl_recalculate_only` it recomputes the parts' TTL metadata from the table's own TTL
 * (which removes only links a signed expiry statement covers and no legal hold keeps); it cannot
 * choose what is deleted. Reloading the retention gate (a GLOBAL privilege in ClickHouse) makes a
 * new statement or hold count at once; it changes no row.
 */
export const SERVICE_GRANTS = {
  /**
   * Appends events, chain heads, checkpoints and expiry statements; reads heads, checkpoints and
   * statements to resume where it stopped, and the links (and holds) the expiry job verifies.
   */
  ingestor: {
    // audit_event_keys: filled by the materialized view inside each insert into audit_events (0006).
    INSERT: ['audit_events', 'audit_event_keys', 'audit_chain_heads', 'audit_chain_checkpoints', 'audit_expiry_statements'],
    SELECT: ['audit_events', 'audit_chain_heads', 'audit_chain_checkpoints', 'audit_expiry_statements', 'audit_legal_holds', 'schema_migrations'],
    dictGet: [RETENTION_GATE],
    'ALTER MATERIALIZE TTL': ['audit_events', 'audit_event_keys'],
    'SYSTEM RELOAD DICTIONARY': [GLOBAL],
  },
  /** Reads; writes only legal holds (reads are recorded through Kafka, not ClickHouse). */
  queryApi: {
    INSERT: ['audit_legal_holds'],
    SELECT: ['audit_events', 'audit_event_keys', 'audit_chain_heads', 'audit_chain_checkpoints', 'audit_expiry_statements', 'audit_legal_holds', 'schema_migrations'],
    'SYSTEM RELOAD DICTIONARY': [GLOBAL],
  },
} as const;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function identifier(name: string, value: string): string {
  if (!IDENTIFIER.test(value)) throw new Error(`${name} must be a plain identifier, got ${JSON.stringify(value)}`);
  return value;
}

/** A ClickHouse string literal: DDL takes no query parameters, so the password is escaped instead. */
function stringLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * The statements that create (or converge) the two service accounts. Each user gets one role and
 * the role gets exactly its grants: `REVOKE ALL` first, so a privilege granted by hand does not
 * survive a migration. Re-running sets the passwords again (rotation = new value, run again).
 * In the cluster topology each grant covers the Distributed table and its shards' `_local` table.
 */
export function renderLeastPrivilegeSql(options: LeastPrivilegeOptions): string[] {
  const database = identifier('database', options.database);
  const onCluster = options.topology === 'cluster' ? ` ON CLUSTER ${identifier('cluster', options.cluster ?? '')}` : '';
  const nodeLocal = new Set(['schema_migrations', RETENTION_GATE]);
  const tables = (names: readonly string[]) =>
    names.flatMap((name) => {
      if (name === GLOBAL) return [GLOBAL];
      return options.topology === 'cluster' && !nodeLocal.has(name) ? [`${database}.${name}`, `${database}.${name}_local`] : [`${database}.${name}`];
    });
  const statements: string[] = [];
  for (const [service, account] of [['ingestor', options.ingestor], ['queryApi', options.queryApi]] as const) {
    const user = identifier(`${service} user`, account.user);
    const role = `${user}_role`;
    if (account.password.length < 16) throw new Error(`the ${service} password must be at least 16 characters`);
    const password = stringLiteral(account.password);
    statements.push(`CREATE ROLE IF NOT EXISTS ${role}${onCluster}`, `REVOKE${onCluster} ALL ON *.* FROM ${role}`);
    for (const [privilege, names] of Object.entries(SERVICE_GRANTS[service])) {
      for (const table of tables(names)) statements.push(`GRANT${onCluster} ${privilege} ON ${table} TO ${role}`);
    }
    statements.push(
      `CREATE USER IF NOT EXISTS ${user}${onCluster} IDENTIFIED WITH sha256_password BY ${password} DEFAULT DATABASE ${database}`,
      `ALTER USER ${user}${onCluster} IDENTIFIED WITH sha256_password BY ${password}`,
      `REVOKE${onCluster} ALL ON *.* FROM ${user}`,
      `GRANT${onCluster} ${role} TO ${user}`,
      `ALTER USER ${user}${onCluster} DEFAULT ROLE ${role}`,
    );
  }
  // The retention gate reads its two tables as the ingestor (SELECT on both), not as a `default`
  // user that least-privilege servers remove; set again on every run, so a rotated password follows.
  statements.push(
    `ALTER NAMED COLLECTION ${database}_retention_gate_source${onCluster} SET user = ${stringLiteral(options.ingestor.user)}, password = ${stringLiteral(options.ingestor.password)}`,
    `SYSTEM RELOAD DICTIONARY${onCluster} ${database}.${RETENTION_GATE}`,
  );
  return statements;
}

/**
 * Creates the service accounts on a ClickHouse server (run by `audit migrate` after the
 * migrations, with an administrator's CLICKHOUSE_URL). The embedded engine has no users: it runs
 * inside the one process that owns its data directory.
 */
export async function provisionLeastPrivilegeUsers(client: ClickHouseClient, options: LeastPrivilegeOptions): Promise<void> {
  for (const query of renderLeastPrivilegeSql(options)) await client.command({ query });
}
