import { AUDIT_EVENT_COLUMNS, type ClickHouseHandle } from '@audit/clickhouse';

export const GENERATED_RESOURCE_TYPES = ['Member', 'Session', 'Patient', 'Organization', 'Document', 'Invoice', 'ApiKey', 'Team'] as const;
export const GENERATED_ACTIONS = ['create', 'update', 'delete', 'view', 'login', 'invite', 'role.change', 'export', 'logout', 'share'] as const;

/** Constant vocabularies (never input) as a ClickHouse array literal's items. */
const sqlList = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');

/**
 * One generated row per `number`: organization skewed by a cubic law (org_0 ~10 % of rows, the
 * tail tiny), 200 members per organization, 180 days of history arriving in time order (as a log
 * does; each insert block then lands in one monthly partition), 5 % failures.
 */
const GENERATED_COLUMNS = `
  generateUUIDv7() AS event_id,
  concat('org_', toString(toUInt32(pow((cityHash64(number, 1) % 1000000) / 1000000, 3) * {orgs:UInt32}))) AS organization_id,
  toDateTime64({now:DateTime64(3, 'UTC')}, 3, 'UTC') - toIntervalMillisecond(toUInt64((1 - number / {rows:UInt64}) * 180 * 86400000) + cityHash64(number, 2) % 1000) AS occurred_at,
  concat(organization_id, '_user_', toString(cityHash64(number, 3) % 200)) AS actor_id,
  'user' AS actor_type,
  concat('Member ', toString(cityHash64(number, 3) % 200)) AS actor_name,
  concat('u', toString(cityHash64(number, 3) % 200), '@', organization_id, '.example') AS actor_email,
  '203.0.113.7' AS actor_ip,
  'Mozilla/5.0 (X11; Linux x86_64)' AS actor_user_agent,
  [${sqlList(GENERATED_ACTIONS)}][cityHash64(number, 4) % ${GENERATED_ACTIONS.length} + 1] AS action,
  [${sqlList(GENERATED_RESOURCE_TYPES)}][cityHash64(number, 5) % ${GENERATED_RESOURCE_TYPES.length} + 1] AS resource_type,
  concat('res_', toString(cityHash64(number, 6) % 100000)) AS resource_id,
  'Resource name' AS resource_name,
  if(cityHash64(number, 7) % 20 = 0, 'failure', 'success') AS status,
  if(status = 'failure', 'permission denied', '') AS reason,
  concat('req_', toString(number)) AS request_id,
  '' AS session_id, '' AS changes, '' AS metadata, 1 AS schema_version, 0 AS kafka_partition, number AS kafka_offset`;


export interface GeneratedAuditLog {
  rows: number;
  organizations: number;
  /** "Now" of the history, `YYYY-MM-DD hh:mm:ss.sss` UTC: the newest row is just before it. */
  now: string;
  /** OPTIMIZE … FINAL after generating (fewer parts); otherwise background merges are left to run. */
  optimize: boolean;
  log(message: string): void;
}

async function count(handle: ClickHouseHandle, database: string): Promise<number> {
  const result = await handle.client.query({ query: `SELECT count() AS n FROM ${database}.audit_events`, format: 'JSONEachRow' });
  return Number((await result.json<{ n: string }>())[0].n);
}

/**
 * Fills `database.audit_events` with `rows` generated rows (ClickHouse generates them: INSERT …
 * SELECT over numbers()), or keeps a table that already holds exactly that many. Returns whether
 * it generated.
 */
export async function generateAuditLog(handle: ClickHouseHandle, database: string, spec: GeneratedAuditLog): Promise<boolean> {
  if ((await count(handle, database)) === spec.rows) {
    spec.log(`reusing ${spec.rows.toLocaleString('en')} rows in ${database}`);
    return false;
  }
  await handle.client.command({ query: `TRUNCATE TABLE ${database}.audit_events` });
  const columns = AUDIT_EVENT_COLUMNS.join(', ');
  const chunk = 10_000_000;
  const started = Date.now();
  for (let offset = 0; offset < spec.rows; offset += chunk) {
    await handle.client.command({
      // Blocks of a million rows: few, large parts instead of many small ones to merge.
      query: `INSERT INTO ${database}.audit_events (${columns}, kafka_partition, kafka_offset)
              SELECT ${columns}, kafka_partition, kafka_offset FROM (SELECT ${GENERATED_COLUMNS} FROM numbers({offset:UInt64}, {count:UInt64}))
              SETTINGS max_execution_time = 3600, min_insert_block_size_rows = 1000000, min_insert_block_size_bytes = 0, max_block_size = 1000000`,
      query_params: { orgs: spec.organizations, now: spec.now, rows: spec.rows, offset, count: Math.min(chunk, spec.rows - offset) },
    });
    spec.log(`generated ${Math.min(offset + chunk, spec.rows).toLocaleString('en')} rows (${Math.round((Date.now() - started) / 1000)} s)`);
  }
  // The investigations' index (0006) too: left in its insert-sized parts, a key's read opens every one of them.
  if (spec.optimize) {
    for (const table of ['audit_events', 'audit_event_keys']) {
      await handle.client.command({ query: `OPTIMIZE TABLE ${database}.${table} FINAL SETTINGS max_execution_time = 7200` });
    }
  }
  spec.log(`generated${spec.optimize ? ' and merged' : ''} in ${Math.round((Date.now() - started) / 1000)} s`);
  return true;
}
