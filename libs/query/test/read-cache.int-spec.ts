import { AuditEventsReadRepository } from '@audit/clickhouse';
import { makeAuditEvent, type AuditEvent } from '@audit/contract';
import { uniqueName } from '@audit/testing';
import { auditEventsOfReader, getJson, startQueryTestApp, token, type QueryTestApp } from './query-test-app';

// Real ClickHouse data and a real broker (a project's testTimeout is ignored under `projects`).
jest.setTimeout(120_000);

interface Page {
  data: AuditEvent[];
  nextCursor: string | null;
  prevCursor: string | null;
}

function events(organizationId: string, count: number, newest = Date.now() - 60_000): AuditEvent[] {
  return Array.from({ length: count }, (_, i) =>
    makeAuditEvent({ organizationId, occurredAt: new Date(newest - i * 1000).toISOString(), action: i % 2 ? 'update' : 'create', resource: { type: 'Member', id: `res_${i}` } }),
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('repeated reads share one query (QUERY_CACHE_MS)', () => {
  let api: QueryTestApp;
  let engineReads: jest.SpyInstance;
  const orgA = uniqueName('org_cache_a');
  const orgB = uniqueName('org_cache_b');

  beforeAll(async () => {
    // A long freshness makes "still the stored page" deterministic however slow the machine is.
    api = await startQueryTestApp({ QUERY_CACHE_MS: '60000' });
    await api.insert([...events(orgA, 5), ...events(orgB, 3)]);
    // Counts the engine's page reads; every call still goes to ClickHouse.
    engineReads = jest.spyOn(api.app.get(AuditEventsReadRepository), 'findPage');
  });

  afterAll(async () => {
    engineReads?.mockRestore();
    await api?.close();
  });

  it('runs one engine read for identical concurrent requests and answers them alike', async () => {
    const bearer = await token(orgA, 'admin');
    engineReads.mockClear();
    const responses = await Promise.all(Array.from({ length: 20 }, () => getJson<Page>(api.baseUrl, '/v1/audit-logs?limit=2', bearer)));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(new Set(responses.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(responses[0].body.data).toHaveLength(2);
    expect(engineReads).toHaveBeenCalledTimes(1);
    // The stored JSON text goes out as JSON.
    const raw = await fetch(`${api.baseUrl}/v1/audit-logs?limit=2`, { headers: { authorization: `Bearer ${bearer}` } });
    expect(raw.headers.get('content-type')).toMatch(/^application\/json; charset=utf-8/);
    expect(await raw.json()).toEqual(responses[0].body);
    // Its cursor works for a reader who got the stored page.
    const next = await getJson<Page>(api.baseUrl, `/v1/audit-logs?limit=2&cursor=${encodeURIComponent(responses[0].body.nextCursor!)}`, await token(orgA, 'owner'));
    expect(next.status).toBe(200);
    expect(next.body.data.map((e) => e.id)).not.toContain(responses[0].body.data[0].id);
  });

  it('keeps organizations apart: the same filters of another organization read its own rows', async () => {
    const a = await getJson<Page>(api.baseUrl, '/v1/audit-logs?action=create', await token(orgA, 'admin'));
    const b = await getJson<Page>(api.baseUrl, '/v1/audit-logs?action=create', await token(orgB, 'admin'));
    expect(a.body.data.map((e) => e.organizationId)).toEqual(Array(3).fill(orgA));
    expect(b.body.data.map((e) => e.organizationId)).toEqual(Array(2).fill(orgB));
    // The security role across organizations is a scope of its own, not org A's stored page.
    const all = await getJson<Page>(api.baseUrl, '/v1/audit-logs?action=create', await token(orgA, 'security'));
    expect(new Set(all.body.data.map((e) => e.organizationId))).toEqual(new Set([orgA, orgB]));
  });

  it('serves the stored page within its freshness even when newer rows have landed, and other filters read afresh', async () => {
    const bearer = await token(orgA, 'owner');
    const before = await getJson<Page>(api.baseUrl, '/v1/audit-logs?resourceType=Member', bearer);
    const [late] = events(orgA, 1, Date.now() - 1000);
    await api.insert([late]);
    const again = await getJson<Page>(api.baseUrl, '/v1/audit-logs?resourceType=Member', bearer);
    expect(again.body).toEqual(before.body);
    const other = await getJson<Page>(api.baseUrl, '/v1/audit-logs?resourceType=Member&status=success', bearer);
    expect(other.body.data[0].id).toBe(late.id);
  });

  it('records every read as its own audit event, stored page or not', async () => {
    const subject = uniqueName('cached_reader');
    const bearer = await token(orgA, 'admin', { subject });
    for (let i = 0; i < 3; i++) expect((await getJson(api.baseUrl, '/v1/audit-logs?limit=2', bearer)).status).toBe(200);
    expect((await getJson(api.baseUrl, '/v1/audit-logs/facets', bearer)).status).toBe(200);
    expect((await getJson(api.baseUrl, '/v1/audit-logs/facets', bearer)).status).toBe(200);
    const mine = await auditEventsOfReader(api.topic, subject, 5);
    expect(mine.map((e) => e.metadata?.endpoint)).toEqual(['list', 'list', 'list', 'facets', 'facets']);
  });
});

describe('a stored page expires (QUERY_CACHE_MS)', () => {
  let api: QueryTestApp;
  const org = uniqueName('org_cache_c');

  beforeAll(async () => {
    api = await startQueryTestApp({ QUERY_CACHE_MS: '300', QUERY_CACHE_STALE_MS: '0' });
    await api.insert(events(org, 4));
  });

  afterAll(async () => {
    await api?.close();
  });

  it('shows an event that landed after the stored page once the page is older than QUERY_CACHE_MS', async () => {
    const bearer = await token(org, 'admin');
    const first = await getJson<Page>(api.baseUrl, '/v1/audit-logs', bearer);
    expect(first.body.data).toHaveLength(4);
    const [late] = events(org, 1, Date.now() - 1000);
    await api.insert([late]);
    await sleep(400);
    const later = await getJson<Page>(api.baseUrl, '/v1/audit-logs', bearer);
    expect(later.body.data).toHaveLength(5);
    expect(later.body.data[0].id).toBe(late.id);
  });
});

describe('QUERY_CACHE_MS=0', () => {
  let api: QueryTestApp;
  const org = uniqueName('org_cache_off');

  beforeAll(async () => {
    // chDB holds one data directory per process: each app of this file opens after the last closed.
    api = await startQueryTestApp({ QUERY_CACHE_MS: '0' });
    await api.insert(events(org, 2));
  });

  afterAll(async () => {
    await api?.close();
  });

  it('reads every time', async () => {
    const bearer = await token(org, 'admin');
    expect((await getJson<Page>(api.baseUrl, '/v1/audit-logs', bearer)).body.data).toHaveLength(2);
    await api.insert(events(org, 1, Date.now() - 1000));
    expect((await getJson<Page>(api.baseUrl, '/v1/audit-logs', bearer)).body.data).toHaveLength(3);
  });
});
