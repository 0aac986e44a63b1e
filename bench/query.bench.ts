// `npm run bench -- --only query`: the query API over a generated audit log, and PostgreSQL 15
// (Debian's package, the store a team would otherwise pick) over the same rows, in one run.
//
// Environment (all optional):
//   QUERY_BENCH_ROWS        rows generated in ClickHouse (default 100,000,000)
//   QUERY_BENCH_ORGS        organizations (default 1,000; skewed: the largest holds ~10 %)
//   QUERY_BENCH_PG_ROWS     rows copied into PostgreSQL (default 10,000,000; 0 skips the peer)
//   QUERY_BENCH_SAMPLES     requests per latency figure (default 200)
//   QUERY_BENCH_PAGE_DEPTH  the deep page measured by cursor (default 1,000)
//   QUERY_BENCH_OPTIMIZE    1 (default): OPTIMIZE … FINAL after generating; 0: leave it to background merges
//   QUERY_BENCH_DATA        chDB data directory, reused when it already holds the same rows (default .data/bench-query)
//   QUERY_BENCH_PG_DB       PostgreSQL database (default audit_bench_query), owned by a role of the same name that
//                           the bench creates through `su postgres -c psql` (local cluster 15/main)
import 'reflect-metadata';
import { AUDIT_EVENT_COLUMNS, CLICKHOUSE, ClickHouseConfig, ClickHouseModule, type ClickHouseHandle } from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import { auditTopics, createKafka, ensureTopics, KafkaConfig } from '@audit/kafka';
import { QueryConfig, QueryModule } from '@audit/query';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { signTestToken } from '@audit/testing';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { benchRow, generateAuditLog, percentile, writeBenchResults, type BenchRow } from './lib';

const ROWS = Number(process.env.QUERY_BENCH_ROWS ?? 100_000_000);
const ORGS = Number(process.env.QUERY_BENCH_ORGS ?? 1000);
const PG_ROWS = Math.min(ROWS, Number(process.env.QUERY_BENCH_PG_ROWS ?? 10_000_000));
const SAMPLES = Number(process.env.QUERY_BENCH_SAMPLES ?? 200);
const DATA_PATH = resolve(process.env.QUERY_BENCH_DATA ?? '.data/bench-query');
const PG_DB = process.env.QUERY_BENCH_PG_DB ?? 'audit_bench_query';
const DATABASE = 'audit_bench';
const SECRET = randomBytes(32).toString('hex');
const DAY_MS = 86_400_000;
const PAGE_DEPTH = Number(process.env.QUERY_BENCH_PAGE_DEPTH ?? 1000);
const OPTIMIZE = process.env.QUERY_BENCH_OPTIMIZE !== '0';

const log = (message: string) => console.log(`[query bench] ${new Date().toISOString().slice(11, 19)} ${message}`);

const PG_COLUMNS = AUDIT_EVENT_COLUMNS;

async function scalar<T>(handle: ClickHouseHandle, query: string, params: Record<string, unknown> = {}): Promise<T> {
  const result = await handle.client.query({ query, query_params: params, format: 'JSONEachRow' });
  const [row] = await result.json<Record<string, T>>();
  return Object.values(row)[0];
}

@Module({})
class BenchQueryModule {}

async function startApi(): Promise<{ app: INestApplication; baseUrl: string }> {
  const env = {
    ...process.env,
    CLICKHOUSE_DATA_PATH: DATA_PATH,
    CLICKHOUSE_DATABASE: DATABASE,
    AUTH_JWT_SECRET: SECRET,
    QUERY_MAX_WINDOW_DAYS: '366',
    AUDIT_TOPIC: 'audit.events.v1',
    // Each figure repeats a request: with the read cache on it would measure the cache, not the query.
    QUERY_CACHE_MS: '0',
  };
  const app = await NestFactory.create(
    { module: BenchQueryModule, imports: [ClickHouseModule.forRoot(loadConfig(ClickHouseConfig, env)), QueryModule.forRoot(loadConfig(QueryConfig, env), loadConfig(KafkaConfig, env))] },
    { logger: ['error', 'warn'] },
  );
  await app.listen(0, '127.0.0.1');
  // Reads are recorded to the audit topic: it must exist (the broker does not auto-create topics).
  const kafka = loadConfig(KafkaConfig, env);
  await ensureTopics(createKafka({ brokers: kafka.brokers, clientId: 'query-bench' }), auditTopics(kafka.AUDIT_TOPIC_PARTITIONS, kafka.AUDIT_TOPIC_RETENTION_MS));
  return { app, baseUrl: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

function token(organizationId: string, role: string): Promise<string> {
  return signTestToken({ secret: SECRET, organizationId, role, email: `bench-${role}@example.com`, subject: `bench_${role}`, expiresIn: '2h' });
}

/** Latencies (ms) of `samples` sequential calls after a few warm-up calls. */
async function time(samples: number, call: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 3; i++) await call(i);
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await call(i);
    latencies.push(performance.now() - started);
  }
  return latencies;
}

async function getJson<T>(url: string, bearer: string): Promise<T> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${bearer}` } });
  if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * Rows per second of a streamed export: lines counted as they arrive, less the CSV header (the
 * generated values hold no line breaks). The count uses memchr (`indexOf`), not a loop over every
 * byte: the client shares the server's event loop and must not be what the figure measures.
 */
async function exportRate(url: string, bearer: string): Promise<{ rows: number; seconds: number }> {
  const started = performance.now();
  const response = await fetch(url, { headers: { authorization: `Bearer ${bearer}` } });
  if (response.status !== 200 || !response.body) throw new Error(`export: HTTP ${response.status}`);
  let lines = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) lines += 1;
  }
  return { rows: url.includes('format=csv') ? lines - 1 : lines, seconds: (performance.now() - started) / 1000 };
}

interface Measured {
  page1: number[];
  page1000: number[];
  actor90: number[];
  facets30: number[];
  /** All organizations, 90 days: the histogram (per day) and the top 20 actors. */
  histogram90: number[];
  topActors90: number[];
  exportRowsPerSecond: number;
  exportRows: number;
  /** The API only: the peer's export is NDJSON. */
  exportCsvRowsPerSecond?: number;
}

async function measureApi(baseUrl: string, org: string, actorEmail: string, now: number): Promise<Measured> {
  const owner = await token(org, 'owner');
  const security = await token('org_security', 'security');
  const base = `${baseUrl}/v1/audit-logs`;
  log('API: first page of 30 days');
  const page1 = await time(SAMPLES, () => getJson(`${base}?limit=50`, owner));
  log(`API: walking to page ${PAGE_DEPTH}`);
  let cursor = '';
  for (let page = 1; page < PAGE_DEPTH; page++) {
    const body = await getJson<{ nextCursor: string | null }>(`${base}?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, owner);
    if (!body.nextCursor) throw new Error(`only ${page} pages of 50 in 30 days of ${org}: generate more rows`);
    cursor = body.nextCursor;
  }
  const page1000 = await time(SAMPLES, () => getJson(`${base}?limit=50&cursor=${encodeURIComponent(cursor)}`, owner));
  log('API: one actor across organizations, 90 days');
  const from90 = new Date(now - 90 * DAY_MS).toISOString();
  const actor90 = await time(Math.min(SAMPLES, 50), () => getJson(`${base}?limit=50&actor=${encodeURIComponent(actorEmail)}&from=${from90}`, security));
  log('API: facets, 30 days');
  const facets30 = await time(Math.min(SAMPLES, 30), () => getJson(`${base}/facets`, owner));
  log('API: histogram and top 20 actors, all organizations, 90 days');
  const histogram90 = await time(Math.min(SAMPLES, 20), () => getJson(`${base}/histogram?from=${from90}`, security));
  const topActors90 = await time(Math.min(SAMPLES, 20), () => getJson(`${base}/top?by=actor&limit=20&from=${from90}`, security));
  log('API: export');
  // Warm-up, as for the latency figures: the first export of a process also pays for compiling its code paths.
  await exportRate(`${base}/export?format=ndjson&from=${new Date(now - DAY_MS).toISOString()}`, owner);
  // One fixed 30-day window for both formats: the default one slides with the clock between them.
  const window = `from=${new Date(now - 30 * DAY_MS).toISOString()}&to=${new Date(now + 3_600_000).toISOString()}`;
  const exported = await exportRate(`${base}/export?format=ndjson&${window}`, owner);
  const csv = await exportRate(`${base}/export?format=csv&${window}`, owner);
  if (csv.rows !== exported.rows) throw new Error(`the CSV export has ${csv.rows} rows, the NDJSON one ${exported.rows}`);
  return {
    page1,
    page1000,
    actor90,
    facets30,
    histogram90,
    topActors90,
    exportRowsPerSecond: exported.rows / exported.seconds,
    exportRows: exported.rows,
    exportCsvRowsPerSecond: csv.rows / csv.seconds,
  };
}

function psql(sql: string, database = 'postgres'): string {
  return execFileSync('su', ['postgres', '-c', `psql -X -q -t -A -d ${database} -c ${JSON.stringify(sql)}`], { encoding: 'utf8' });
}

/** Copies `PG_ROWS` of the same rows (a hash-chosen sample, so every organization keeps its share) into PostgreSQL. */
async function loadPostgres(handle: ClickHouseHandle): Promise<Client> {
  try {
    execFileSync('pg_ctlcluster', ['15', 'main', 'start'], { stdio: 'ignore' });
  } catch {
    // Already running.
  }
  const password = randomBytes(16).toString('hex');
  const role = psql(`SELECT count(*) FROM pg_roles WHERE rolname = '${PG_DB}'`).trim() === '1';
  psql(`${role ? 'ALTER' : 'CREATE'} ROLE ${PG_DB} LOGIN PASSWORD '${password}'`);
  const exists = psql(`SELECT count(*) FROM pg_database WHERE datname = '${PG_DB}'`).trim() === '1';
  if (!exists) psql(`CREATE DATABASE ${PG_DB} OWNER ${PG_DB}`);
  // PostgreSQL 15 lets only the schema's owner create tables in `public`.
  psql(`ALTER SCHEMA public OWNER TO ${PG_DB}`, PG_DB);
  const client = new Client({ host: '127.0.0.1', port: 5432, user: PG_DB, password, database: PG_DB });
  await client.connect();
  // The rows PostgreSQL holds must be a sample of this very ClickHouse data (another run's data
  // has other ids and times): the table's comment names its source, and only a match is reused.
  const [range] = await (
    await handle.client.query({ query: `SELECT count() AS n, toString(min(occurred_at)) AS first, toString(max(occurred_at)) AS last FROM ${DATABASE}.audit_events`, format: 'JSONEachRow' })
  ).json<{ n: string; first: string; last: string }>();
  const source = `${PG_ROWS} of ${range.n} rows from ${DATA_PATH}, ${range.first} to ${range.last}`;
  const loaded = await client.query(`SELECT obj_description(to_regclass('audit_events'), 'pg_class') AS source`);
  if (loaded.rows[0]?.source === source) {
    log(`PostgreSQL: reusing ${source}`);
    return client;
  }
  await client.query('DROP TABLE IF EXISTS audit_events');
  await client.query(`CREATE TABLE audit_events (
    event_id uuid NOT NULL, organization_id text NOT NULL, occurred_at timestamptz(3) NOT NULL, actor_id text NOT NULL, actor_type text NOT NULL,
    actor_name text NOT NULL, actor_email text NOT NULL, actor_ip text NOT NULL, actor_user_agent text NOT NULL, action text NOT NULL,
    resource_type text NOT NULL, resource_id text NOT NULL, resource_name text NOT NULL, status text NOT NULL, reason text NOT NULL,
    request_id text NOT NULL, session_id text NOT NULL, changes text NOT NULL, metadata text NOT NULL, schema_version smallint NOT NULL)`);
  const file = join(DATA_PATH, '..', 'bench-query-pg.csv');
  const started = Date.now();
  log(`PostgreSQL: exporting ${PG_ROWS.toLocaleString('en')} rows to CSV`);
  const out = createWriteStream(file);
  // A hash-chosen share a little over PG_ROWS, cut at PG_ROWS: no sort of the whole table (at
  // 100M rows a top-N by hash would hold 10M wide rows in memory).
  const sampleShare = Math.min(1_000_000, Math.ceil((PG_ROWS / ROWS) * 1.02 * 1_000_000));
  // Constant SQL (no values from input): the native stream takes no parameters.
  const stream = handle.chdb!.queryStream(
    `SELECT ${PG_COLUMNS.join(', ')} FROM ${DATABASE}.audit_events WHERE cityHash64(event_id) % 1000000 < ${sampleShare} LIMIT ${PG_ROWS}`,
    { format: 'CSV' },
  );
  for await (const chunk of stream) if (!out.write(chunk.raw())) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  log('PostgreSQL: COPY');
  execFileSync('chmod', ['a+r', file]);
  psql(`\\copy audit_events FROM '${file}' WITH (FORMAT csv)`, PG_DB);
  rmSync(file, { force: true });
  log('PostgreSQL: indexes');
  // The indexes a team would build for these access paths: tenant + time (keyset), actor, resource.
  await client.query('CREATE INDEX audit_events_org_time ON audit_events (organization_id, occurred_at DESC, event_id DESC)');
  await client.query('CREATE INDEX audit_events_actor_email ON audit_events (actor_email, occurred_at DESC)');
  await client.query('CREATE INDEX audit_events_actor_id ON audit_events (actor_id, occurred_at DESC)');
  await client.query('CREATE INDEX audit_events_resource ON audit_events (organization_id, resource_id, occurred_at DESC)');
  await client.query('VACUUM ANALYZE audit_events');
  // Last: a load cut short leaves no comment and is redone.
  await client.query(`COMMENT ON TABLE audit_events IS '${source.replace(/'/g, "''")}'`);
  log(`PostgreSQL: loaded and indexed in ${Math.round((Date.now() - started) / 1000)} s`);
  return client;
}

async function measurePostgres(pg: Client, org: string, actorEmail: string, now: number): Promise<Measured> {
  const from30 = new Date(now - 30 * DAY_MS);
  const to = new Date(now + 3_600_000);
  const page = `SELECT * FROM audit_events WHERE organization_id = $1 AND occurred_at >= $2 AND occurred_at < $3`;
  log('PostgreSQL: first page');
  const page1 = await time(SAMPLES, () => pg.query(`${page} ORDER BY occurred_at DESC, event_id DESC LIMIT 51`, [org, from30, to]));
  let last: { occurred_at: Date; event_id: string } | undefined;
  for (let p = 1; p < PAGE_DEPTH; p++) {
    const rows: Array<{ occurred_at: Date; event_id: string }> = last
      ? (await pg.query(`${page} AND (occurred_at, event_id) < ($4, $5) ORDER BY occurred_at DESC, event_id DESC LIMIT 51`, [org, from30, to, last.occurred_at, last.event_id])).rows
      : (await pg.query(`${page} ORDER BY occurred_at DESC, event_id DESC LIMIT 51`, [org, from30, to])).rows;
    last = rows[49];
    if (!last) break;
  }
  const page1000 = last
    ? await time(SAMPLES, () => pg.query(`${page} AND (occurred_at, event_id) < ($4, $5) ORDER BY occurred_at DESC, event_id DESC LIMIT 51`, [org, from30, to, last!.occurred_at, last!.event_id]))
    : [NaN];
  log('PostgreSQL: actor across organizations');
  const actor90 = await time(Math.min(SAMPLES, 50), () =>
    pg.query(
      `SELECT * FROM audit_events WHERE (actor_email = $1 OR actor_id = $1) AND occurred_at >= $2 AND occurred_at < $3 ORDER BY occurred_at DESC, event_id DESC LIMIT 51`,
      [actorEmail, new Date(now - 90 * DAY_MS), to],
    ),
  );
  log('PostgreSQL: facets');
  const facets30 = await time(Math.min(SAMPLES, 10), () =>
    pg.query(
      `SELECT resource_type, action, status, count(*) FROM audit_events WHERE organization_id = $1 AND occurred_at >= $2 AND occurred_at < $3
       GROUP BY GROUPING SETS ((resource_type), (action), (status))`,
      [org, from30, to],
    ),
  );
  log('PostgreSQL: histogram and top 20 actors, all organizations, 90 days');
  const window90 = [new Date(now - 90 * DAY_MS), to];
  const histogram90 = await time(Math.min(SAMPLES, 10), () =>
    pg.query(`SELECT date_trunc('day', occurred_at) AS bucket, count(*) FROM audit_events WHERE occurred_at >= $1 AND occurred_at < $2 GROUP BY bucket ORDER BY bucket`, window90),
  );
  const topActors90 = await time(Math.min(SAMPLES, 10), () =>
    pg.query(
      `SELECT organization_id, actor_id, max(actor_email), count(*) AS events FROM audit_events WHERE occurred_at >= $1 AND occurred_at < $2
       GROUP BY organization_id, actor_id ORDER BY events DESC, actor_id LIMIT 20`,
      window90,
    ),
  );
  log('PostgreSQL: export');
  const started = performance.now();
  let exportRows = 0;
  let exportBytes = 0;
  await pg.query('BEGIN');
  await pg.query(`DECLARE export_cursor NO SCROLL CURSOR FOR ${page} ORDER BY occurred_at, event_id`, [org, from30, to]);
  for (;;) {
    const { rows } = await pg.query('FETCH 20000 FROM export_cursor');
    if (rows.length === 0) break;
    let text = '';
    for (const row of rows) text += `${JSON.stringify(row)}\n`;
    exportRows += rows.length;
    exportBytes += text.length;
  }
  await pg.query('COMMIT');
  log(`PostgreSQL: exported ${exportRows} rows, ${Math.round(exportBytes / 1e6)} MB of NDJSON`);
  return { page1, page1000, actor90, facets30, histogram90, topActors90, exportRowsPerSecond: exportRows / ((performance.now() - started) / 1000), exportRows };
}

async function main(): Promise<void> {
  mkdirSync(DATA_PATH, { recursive: true });
  const now = Date.now();
  const nowText = new Date(now).toISOString().slice(0, 23).replace('T', ' ');
  const { app, baseUrl } = await startApi();
  const handle = app.get<ClickHouseHandle>(CLICKHOUSE);
  try {
    await generateAuditLog(handle, DATABASE, { rows: ROWS, organizations: ORGS, now: nowText, optimize: OPTIMIZE, log });
    // The largest organization: the worst case for its pages, facets and export.
    const org = 'org_0';
    const inWindow = Number(
      await scalar<string>(handle, `SELECT count() FROM ${DATABASE}.audit_events WHERE organization_id = {org:String} AND occurred_at >= now64(3) - toIntervalDay(30)`, { org }),
    );
    const actorEmail = `u7@org_3.example`;
    log(`${ROWS.toLocaleString('en')} rows, ${org} holds ${inWindow.toLocaleString('en')} in its last 30 days`);
    const api = await measureApi(baseUrl, org, actorEmail, now);
    let pg: Measured | undefined;
    let pgBytes: number | undefined;
    if (PG_ROWS > 0) {
      const client = await loadPostgres(handle);
      try {
        pg = await measurePostgres(client, org, actorEmail, now);
        // The table, its TOAST and its indexes: what the store holds for these rows.
        pgBytes = Number((await client.query(`SELECT pg_total_relation_size('audit_events') AS bytes`)).rows[0].bytes);
      } finally {
        await client.end();
      }
    }
    const partsOf = async (table: string) =>
      Number(await scalar<string>(handle, `SELECT count() FROM system.parts WHERE database = {db:String} AND table = {table:String} AND active`, { db: DATABASE, table }));
    const bytesOf = async (table: string) =>
      Number(await scalar<string>(handle, `SELECT sum(bytes_on_disk) FROM system.parts WHERE database = {db:String} AND table = {table:String} AND active`, { db: DATABASE, table }));
    const [tableBytes, keyBytes] = [await bytesOf('audit_events'), await bytesOf('audit_event_keys')];
    const config = { rows: ROWS, organizations: ORGS, activeParts: await partsOf('audit_events'), keyParts: await partsOf('audit_event_keys'), tableBytes, keyBytes, optimized: OPTIMIZE, organization: org, organizationRows30Days: inWindow, samples: SAMPLES, postgresRows: PG_ROWS, engine: handle.mode };
    const peer = (name: string, value: number | undefined) => (pg && value !== undefined ? { name: `postgresql ${name} (${PG_ROWS.toLocaleString('en')} rows)`, value } : undefined);
    const p50 = (values: number[]) => percentile(values, 50);
    const p99 = (values: number[]) => percentile(values, 99);
    const rows: BenchRow[] = [
      benchRow({ name: 'first page, 30 days, one org (p50)', value: p50(api.page1), unit: 'ms', baseline: peer('first page p50', pg && p50(pg.page1)), target: { max: 15 }, config }),
      benchRow({ name: 'first page, 30 days, one org (p99)', value: p99(api.page1), unit: 'ms', baseline: peer('first page p99', pg && p99(pg.page1)), target: { max: 100 }, config }),
      benchRow({
        name: `page ${PAGE_DEPTH} by cursor vs page 1 (p50)`,
        value: p50(api.page1000),
        unit: 'ms',
        baseline: { name: 'page 1 p50 (same run)', value: p50(api.page1) },
        target: { maxRatio: 1.2 },
        config,
      }),
      benchRow({ name: `page ${PAGE_DEPTH} by cursor (p50), vs postgresql`, value: p50(api.page1000), unit: 'ms', baseline: peer(`page ${PAGE_DEPTH} p50`, pg && p50(pg.page1000)), config }),
      benchRow({ name: 'one actor, all orgs, 90 days (p50)', value: p50(api.actor90), unit: 'ms', baseline: peer('actor 90 days p50', pg && p50(pg.actor90)), target: { max: 20 }, config }),
      benchRow({ name: 'histogram, all orgs, 90 days (p50)', value: p50(api.histogram90), unit: 'ms', baseline: peer('histogram p50', pg && p50(pg.histogram90)), target: { max: 300 }, config }),
      benchRow({ name: 'top 20 actors, all orgs, 90 days (p50)', value: p50(api.topActors90), unit: 'ms', baseline: peer('top 20 actors p50', pg && p50(pg.topActors90)), target: { max: 300 }, config }),
      benchRow({ name: 'facets, 30 days, one org (p50)', value: p50(api.facets30), unit: 'ms', baseline: peer('facets p50', pg && p50(pg.facets30)), config }),
      benchRow({
        name: `export ndjson, 30 days of one org (${api.exportRows.toLocaleString('en')} rows)`,
        value: api.exportRowsPerSecond,
        unit: 'rows/s',
        baseline: peer('cursor fetch + JSON', pg?.exportRowsPerSecond),
        target: { min: 300_000 },
        config,
      }),
      benchRow({
        name: `export csv, 30 days of one org (${api.exportRows.toLocaleString('en')} rows)`,
        value: api.exportCsvRowsPerSecond ?? NaN,
        unit: 'rows/s',
        baseline: { name: 'export ndjson (same run)', value: api.exportRowsPerSecond },
        target: { min: 300_000 },
        config,
      }),
      benchRow({
        name: 'stored bytes per event (audit_events and its investigations index)',
        value: (tableBytes + keyBytes) / ROWS,
        unit: 'bytes',
        baseline: peer('table, TOAST and indexes', pgBytes && pgBytes / PG_ROWS),
        config,
      }),
    ];
    writeBenchResults('query', rows);
  } finally {
    await app.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
