import { AuditEventsReadRepository, type AuditEventRow, type TenantScope } from '@audit/clickhouse';
import { makeAuditEvent, type AuditEvent } from '@audit/contract';
import { uniqueName } from '@audit/testing';
import { createHash } from 'node:crypto';
import { request, type IncomingMessage } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EXPORT_TRAILERS } from '../src';
import { CSV_EXPORT_COLUMNS, EXPORT_ENCODERS } from '../src/audit-logs/export.format';
import { startQueryTestApp, token, type QueryTestApp } from './query-test-app';

jest.setTimeout(300_000);

// A heap sample right after a full collection measures what is retained, not garbage not yet collected.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** CI size; `EXPORT_TEST_ROWS=1000000` runs the figure (the bench exports more through HTTP). */
const ROWS = Number(process.env.EXPORT_TEST_ROWS ?? 200_000);

interface Download {
  status: number;
  headers: IncomingMessage['headers'];
  trailers: NodeJS.Dict<string>;
  sha256: string;
  bytes: number;
  /** Every line, only when asked to keep them (small exports). */
  text?: string;
  /** Largest growth of the live heap (after a full collection) over the download. */
  peakHeapGrowth: number;
}

/** Streams a download, hashing as it goes; optionally calls `line` for each line without keeping the body. */
function download(url: string, bearer: string, options: { keep?: boolean; line?: (line: string) => void } = {}): Promise<Download> {
  return new Promise((resolve, reject) => {
    collectGarbage();
    const baseline = process.memoryUsage().heapUsed;
    let peakHeapGrowth = 0;
    const sampler = setInterval(() => {
      collectGarbage();
      peakHeapGrowth = Math.max(peakHeapGrowth, process.memoryUsage().heapUsed - baseline);
    }, 1000);
    const req = request(url, { headers: { authorization: `Bearer ${bearer}` } }, (res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      let rest = '';
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        hash.update(chunk);
        bytes += Buffer.byteLength(chunk);
        if (options.keep) text += chunk;
        if (options.line) {
          const lines = (rest + chunk).split('\n');
          rest = lines.pop() ?? '';
          for (const line of lines) options.line(line);
        }
      });
      res.on('end', () => {
        clearInterval(sampler);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, trailers: res.trailers, sha256: hash.digest('hex'), bytes, text: options.keep ? text : undefined, peakHeapGrowth });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** RFC 4180 reader for the test's assertions. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endCell();
    else if (c === '\r' && text[i + 1] === '\n') {
      endCell();
      rows.push(row);
      row = [];
      i++;
    } else cell += c;
  }
  return rows;
}

describe('GET /v1/audit-logs/export', () => {
  const organizationId = uniqueName('org_export');
  let api: QueryTestApp;
  let bearer: string;

  beforeAll(async () => {
    api = await startQueryTestApp({ QUERY_EXPORT_BATCH_ROWS: '20000' });
    bearer = await token(organizationId, 'owner');
  });

  afterAll(async () => {
    await api?.close();
  });

  it('should neutralise formulas and escape quotes, commas and line breaks in CSV cells', async () => {
    const org = uniqueName('org_csv');
    const hostile: AuditEvent[] = ['=HYPERLINK("http://evil")', '+1+1', '-2', '@SUM(A1)', 'a, "quoted" name', 'plain'].map((name, i) =>
      makeAuditEvent({ organizationId: org, occurredAt: new Date(Date.now() - (i + 1) * 1000).toISOString(), resource: { type: 'Patient', id: `p${i}`, name } }),
    );
    hostile.push(makeAuditEvent({ organizationId: org, occurredAt: new Date(Date.now() - 9000).toISOString(), metadata: { note: 'x,y', n: 1 } }));
    await api.insert(hostile);
    const result = await download(`${api.baseUrl}/v1/audit-logs/export?format=csv`, await token(org, 'admin'), { keep: true });
    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(result.headers['content-disposition']).toMatch(/^attachment; filename="audit-log-.+\.csv"$/);
    const [header, ...rows] = parseCsv(result.text!);
    expect(header.slice(0, 3)).toEqual(['id', 'occurredAt', 'organizationId']);
    const names = new Map(rows.map((row) => [row[0], row[header.indexOf('resourceName')]]));
    expect(hostile.slice(0, 6).map((event) => names.get(event.id))).toEqual([
      `'=HYPERLINK("http://evil")`,
      "'+1+1",
      "'-2",
      "'@SUM(A1)",
      'a, "quoted" name',
      'plain',
    ]);
    const metadata = rows.find((row) => row[0] === hostile[6].id)![header.indexOf('metadata')];
    expect(JSON.parse(metadata)).toEqual({ note: 'x,y', n: 1 });
    expect(result.trailers[EXPORT_TRAILERS.rowCount.toLowerCase()]).toBe(String(hostile.length));
    expect(result.trailers[EXPORT_TRAILERS.sha256.toLowerCase()]).toBe(result.sha256);
  });

  it('should have ClickHouse write the very bytes the JS encoders write, each event once, however the batches split', async () => {
    // Values that need every rule: JSON escapes, CSV quoting, formula guards, non-ASCII, absent
    // optional fields, changes and metadata, two organizations (one id itself hostile) and two
    // events at the same millisecond (ordered by id). Control characters are limited to those
    // both encoders escape alike: the contract refuses them all, see ndjsonLineSql.
    const orgs = [uniqueName('org_bytes'), `=${uniqueName('org')},"x"`];
    const start = Date.parse('2025-03-01T00:00:00.000Z');
    const hostile = ['say "hi"', 'back\\slash', 'a/b', 'a, b', '=1+1', '+cmd', '-2', '@SUM(A1)', '\tlead', 'line\nbreak', 'cr\rx', 'ctl\u0001', 'Zoë 😀 東京 \ufffd', ''];
    const events: AuditEvent[] = hostile.map((value, i) =>
      makeAuditEvent({
        organizationId: orgs[i % 2],
        occurredAt: new Date(start + Math.floor(i / 3) * 1000).toISOString(),
        actor: { id: `actor ${value}`, type: 'user', name: value || undefined, email: i % 3 ? `${value}@x.test` : undefined, ip: i % 4 ? '2001:db8::1' : undefined, userAgent: i % 2 ? value : undefined },
        resource: { type: 'Patient', id: `p/${value}`, name: value || undefined },
        action: i % 2 ? 'update' : 'role.change',
        status: i % 5 ? 'success' : 'failure',
        ...(i % 5 === 0 && { reason: value }),
        ...(i % 2 && { requestId: `req,${i}` }),
        ...(i % 3 === 0 && { sessionId: `=s${i}` }),
        ...(i % 2 === 0 && { changes: [{ field: 'name', before: value, after: `${value}!` }, { field: 'n', before: 1e21, after: 0.1 }] }),
        ...(i % 3 === 1 && { metadata: { note: value, ok: true, n: -1.5, big: 1e21 } }),
      }),
    );
    await api.insert(events);
    // Re-sent copies in another insert: adjacent to their originals, and with one-row batches a
    // copy is always split from its original.
    await api.insert(events.filter((_, i) => i % 3 === 0));
    const repository = new AuditEventsReadRepository(api.clickhouse.client, api.database);
    const scope: TenantScope = 'all';
    const filter = { from: new Date(start).toISOString(), to: new Date(start + 60_000).toISOString() };
    const rows: AuditEventRow[] = [];
    for await (const batch of repository.streamAll(scope, filter, 1000)) rows.push(...batch);
    expect(rows.map((row) => row.event_id).sort()).toEqual(events.map((event) => event.id).sort());
    const collect = async (batches: AsyncIterable<{ rows: number; text: Buffer }>) => {
      const texts: Buffer[] = [];
      let count = 0;
      for await (const batch of batches) {
        texts.push(Buffer.from(batch.text));
        count += batch.rows;
      }
      return { count, text: Buffer.concat(texts).toString('utf8') };
    };
    for (const batchRows of [1, 2, 3, 1000]) {
      const ndjson = await collect(repository.streamNdjson(scope, filter, batchRows));
      expect({ batchRows, ...ndjson }).toEqual({ batchRows, count: events.length, text: EXPORT_ENCODERS.ndjson.encode(rows) });
      const csv = await collect(repository.streamCsv(scope, filter, CSV_EXPORT_COLUMNS, batchRows));
      expect({ batchRows, ...csv }).toEqual({ batchRows, count: events.length, text: EXPORT_ENCODERS.csv.encode(rows) });
    }
  });

  it('should read no further batch once the client has gone', async () => {
    const start = Date.parse('2025-04-01T00:00:00.000Z');
    const organizationId = uniqueName('org_gone');
    await api.insert(Array.from({ length: 10 }, (_, i) => makeAuditEvent({ organizationId, occurredAt: new Date(start + i * 1000).toISOString() })));
    const repository = new AuditEventsReadRepository(api.clickhouse.client, api.database);
    const abort = new AbortController();
    const batches = repository.streamNdjson({ organizationId }, { from: new Date(start).toISOString(), to: new Date(start + 60_000).toISOString() }, 2, abort.signal);
    const first = await batches.next();
    expect(first.done ? 0 : first.value.rows).toBe(2);
    // The second batch is already being read ahead; aborting drops it, and nothing more is read.
    abort.abort();
    expect(await batches.next()).toEqual({ done: true, value: undefined });
  });

  it('should answer an empty export with the header alone and trailers of zero rows', async () => {
    const result = await download(`${api.baseUrl}/v1/audit-logs/export?format=csv&from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z`, await token(uniqueName('org_empty'), 'owner'), { keep: true });
    expect(result.status).toBe(200);
    expect(result.text).toBe(EXPORT_ENCODERS.csv.header);
    expect(result.trailers[EXPORT_TRAILERS.rowCount.toLowerCase()]).toBe('0');
    expect(result.trailers[EXPORT_TRAILERS.sha256.toLowerCase()]).toBe(result.sha256);
  });

  it(`should stream ${ROWS.toLocaleString('en')} rows as NDJSON with bounded memory, in order, with a matching row count and hash`, async () => {
    // Generated inside ClickHouse: one event per millisecond, so storage order is strict time order.
    await api.clickhouse.client.command({
      query: `INSERT INTO ${api.database}.audit_events
        (event_id, organization_id, occurred_at, actor_id, actor_type, actor_email, action, resource_type, resource_id, resource_name, status, schema_version, kafka_partition, kafka_offset)
        SELECT generateUUIDv7(), {org:String}, now64(3) - toIntervalDay(20) + toIntervalMillisecond(number), concat('user_', toString(number % 1000)), 'user',
               concat('u', toString(number % 1000), '@example.com'), ['create', 'update', 'delete'][number % 3 + 1], ['Member', 'Patient'][number % 2 + 1],
               concat('res_', toString(number % 5000)), 'Name, with "quotes"', if(number % 10 = 0, 'failure', 'success'), 1, 0, number
        FROM numbers({rows:UInt64})`,
      query_params: { org: organizationId, rows: ROWS },
    });
    let lines = 0;
    let previous = '';
    let ordered = true;
    const started = Date.now();
    const result = await download(`${api.baseUrl}/v1/audit-logs/export?format=ndjson`, bearer, {
      line: (line) => {
        lines += 1;
        // occurredAt is the second field of every line (the contract's field order).
        const occurredAt = line.slice(line.indexOf('"occurredAt":"') + 14, line.indexOf('"occurredAt":"') + 38);
        if (occurredAt <= previous) ordered = false;
        previous = occurredAt;
        if (lines === 1) expect(JSON.parse(line)).toMatchObject({ organizationId, resource: { name: 'Name, with "quotes"' }, schemaVersion: 1 });
      },
    });
    const seconds = (Date.now() - started) / 1000;
    console.log(`export of ${ROWS} rows: ${seconds.toFixed(1)} s, ${Math.round(ROWS / seconds)} rows/s, ${(result.bytes / 1e6).toFixed(0)} MB, peak heap growth ${(result.peakHeapGrowth / 1e6).toFixed(0)} MB`);
    expect(result.status).toBe(200);
    expect(lines).toBe(ROWS);
    expect(ordered).toBe(true);
    expect(result.trailers[EXPORT_TRAILERS.rowCount.toLowerCase()]).toBe(String(ROWS));
    expect(result.trailers[EXPORT_TRAILERS.sha256.toLowerCase()]).toBe(result.sha256);
    // Bounded memory: the server and this client share the process, and the live heap never
    // holds more than a few batches (20,000 rows each) however large the body is.
    expect(result.peakHeapGrowth).toBeLessThan(64e6);
  });
});
