import { makeAuditEvent, type AuditEvent } from '@audit/contract';
import { uniqueName } from '@audit/testing';
import { request } from 'node:http';
import { auditEventsOfReader, getJson, startQueryTestApp, token, type QueryTestApp } from './query-test-app';
import { QueryHealth } from '../src';

// Seeds and reads real ClickHouse data and a real broker (a project's testTimeout is ignored under `projects`).
jest.setTimeout(120_000);

const DAY = 86_400_000;
const RESOURCE_TYPES = ['Member', 'Session', 'Patient', 'Organization'];
const ACTIONS = ['create', 'update', 'delete', 'view', 'role.change'];

interface Page {
  data: AuditEvent[];
  nextCursor: string | null;
  prevCursor: string | null;
}

interface Facets {
  resourceType: Array<{ value: string; count: number }>;
  action: Array<{ value: string; count: number }>;
  status: Array<{ value: string; count: number }>;
}

function seedEvents(organizationId: string, count: number, now: number, ageMs = 0): AuditEvent[] {
  return Array.from({ length: count }, (_, i) =>
    makeAuditEvent({
      // Three events per timestamp: ties on time are ordered by id, and cursors must handle them.
      occurredAt: new Date(now - ageMs - Math.floor(i / 3) * 150_000 - 1000).toISOString().replace(/\.\d{3}Z$/, '.000Z'),
      organizationId,
      action: ACTIONS[i % 5],
      status: i % 10 === 0 ? 'failure' : 'success',
      ...(i % 10 === 0 && { reason: 'denied' }),
      // IPv6 addresses stored in their full form: a filter written in the short form names the same address.
      actor: { id: `user_${i % 7}`, email: `u${i % 7}@${organizationId}.test`, ip: i % 5 === 0 ? `2001:db8:0:0:0:0:0:${i % 3}` : `198.51.100.${i % 11}` },
      resource: { type: RESOURCE_TYPES[i % 4], id: `res_${i % 13}` },
    }),
  );
}

describe('GET /v1/audit-logs over real ClickHouse data', () => {
  const now = Date.now();
  const orgA = uniqueName('org_a');
  const orgB = uniqueName('org_b');
  let api: QueryTestApp;
  let inWindowA: AuditEvent[];
  let eventsB: AuditEvent[];
  let owner: string;

  const get = <T>(path: string, bearer = owner) => getJson<T>(api.baseUrl, path, bearer);

  /** Follows nextCursor to the end; every page at most `limit` rows. */
  async function walk(query: string, limit: number, bearer = owner): Promise<{ ids: string[]; pages: Page[] }> {
    const pages: Page[] = [];
    let cursor: string | null = null;
    do {
      const suffix: string = `${query}${query ? '&' : ''}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const { status, body } = await get<Page>(`/v1/audit-logs?${suffix}`, bearer);
      expect(status).toBe(200);
      expect(body.data.length).toBeLessThanOrEqual(limit);
      pages.push(body);
      cursor = body.nextCursor;
    } while (cursor);
    return { ids: pages.flatMap((page) => page.data.map((event) => event.id)), pages };
  }

  function expectNewestFirst(events: AuditEvent[]): void {
    for (let i = 1; i < events.length; i++) expect(Date.parse(events[i - 1].occurredAt)).toBeGreaterThanOrEqual(Date.parse(events[i].occurredAt));
  }

  beforeAll(async () => {
    api = await startQueryTestApp();
    inWindowA = seedEvents(orgA, 10_000, now);
    eventsB = seedEvents(orgB, 300, now);
    await api.insert([...inWindowA, ...seedEvents(orgA, 50, now, 45 * DAY), ...eventsB]);
    // Re-sent copies (same id, same time) in another insert: they must never show twice.
    await api.insert(inWindowA.filter((_, i) => i % 50 === 0));
    owner = await token(orgA, 'owner');
  });

  afterAll(async () => {
    await api?.close();
  });

  describe('filters', () => {
    const cases: Array<[string, string, (event: AuditEvent) => boolean]> = [
      ['resourceType', 'resourceType=Patient', (e) => e.resource.type === 'Patient'],
      ['repeated resourceType', 'resourceType=Patient&resourceType=Session', (e) => ['Patient', 'Session'].includes(e.resource.type)],
      ['action', 'action=role.change', (e) => e.action === 'role.change'],
      ['repeated action', 'action=create&action=delete', (e) => ['create', 'delete'].includes(e.action)],
      ['actor by email', `actor=${encodeURIComponent(`u3@${'ORG'}.test`)}`, (e) => e.actor.email === `u3@${'ORG'}.test`],
      ['actor by id', 'actor=user_5', (e) => e.actor.id === 'user_5'],
      ['resourceId', 'resourceId=res_7', (e) => e.resource.id === 'res_7'],
      ['status', 'status=failure', (e) => e.status === 'failure'],
      ['actorIp (IPv4)', 'actorIp=198.51.100.4', (e) => e.actor.ip === '198.51.100.4'],
      ['actorIp (IPv6, written short)', 'actorIp=2001:db8::2', (e) => e.actor.ip === '2001:db8:0:0:0:0:0:2'],
      ['actorIp and actor', 'actorIp=198.51.100.3&actor=user_2', (e) => e.actor.ip === '198.51.100.3' && e.actor.id === 'user_2'],
      [
        'everything combined',
        'resourceType=Member&resourceType=Patient&action=update&action=view&actor=user_2&status=success',
        (e) => ['Member', 'Patient'].includes(e.resource.type) && ['update', 'view'].includes(e.action) && e.actor.id === 'user_2' && e.status === 'success',
      ],
      ['resourceId and status', 'resourceId=res_0&status=failure', (e) => e.resource.id === 'res_0' && e.status === 'failure'],
    ];

    it.each(cases)('should return exactly the events matching %s, newest first', async (_name, rawQuery, matches) => {
      const query = rawQuery.replace('ORG', orgA);
      const predicate = (event: AuditEvent) => matches({ ...event, actor: { ...event.actor, email: event.actor.email?.replace(orgA, 'ORG') } });
      const expected = inWindowA.filter(predicate).map((event) => event.id);
      expect(expected.length).toBeGreaterThan(0);
      const { ids, pages } = await walk(query, 1000);
      expect(ids).toHaveLength(expected.length);
      expect(new Set(ids)).toEqual(new Set(expected));
      expectNewestFirst(pages.flatMap((page) => page.data));
    });

    it('should bound the window with from and to', async () => {
      const from = new Date(now - 2 * DAY).toISOString();
      const to = new Date(now - DAY).toISOString();
      const expected = inWindowA.filter((e) => e.occurredAt >= from && e.occurredAt < to).map((e) => e.id);
      const { ids } = await walk(`from=${from}&to=${to}`, 1000);
      expect(new Set(ids)).toEqual(new Set(expected));
      expect(ids).toHaveLength(expected.length);
    });

    it('should default to the last 30 days and leave older events out', async () => {
      const { body } = await get<Page>('/v1/audit-logs?limit=1000&from=' + new Date(now - 60 * DAY).toISOString());
      expect(body.data.length).toBe(1000);
      const { ids } = await walk('', 1000);
      expect(ids).toHaveLength(inWindowA.length);
    });

    it('should return each re-sent event once and the other organization none', async () => {
      const { ids } = await walk('', 1000);
      expect(new Set(ids).size).toBe(ids.length);
      const idsOfB = new Set(eventsB.map((e) => e.id));
      expect(ids.some((id) => idsOfB.has(id))).toBe(false);
    });

    it('should return events in the contract shape they were sent in', async () => {
      const { body } = await get<Page>('/v1/audit-logs?limit=5');
      const sent = new Map(inWindowA.map((event) => [event.id, event]));
      for (const event of body.data) expect(event).toEqual(sent.get(event.id));
    });
  });

  describe('cursor pages', () => {
    it('should walk forward and back over 10,000 rows, every row exactly once in storage order', async () => {
      const result = await api.clickhouse.client.query({
        query: `SELECT toString(event_id) AS id FROM ${api.database}.audit_events
                WHERE organization_id = {org:String} AND occurred_at >= now64(3) - toIntervalDay(30)
                ORDER BY occurred_at DESC, event_id DESC LIMIT 1 BY event_id`,
        query_params: { org: orgA },
        format: 'JSONEachRow',
      });
      const expected = (await result.json<{ id: string }>()).map((row) => row.id);
      expect(expected).toHaveLength(10_000);

      const forward = await walk('', 100);
      expect(forward.ids).toEqual(expected);
      expect(forward.pages).toHaveLength(100);
      expect(forward.pages[0].prevCursor).toBeNull();
      expect(forward.pages.at(-1)?.nextCursor).toBeNull();

      const backward: Page[] = [];
      let cursor = forward.pages.at(-1)?.prevCursor ?? null;
      while (cursor) {
        const { status, body } = await get<Page>(`/v1/audit-logs?limit=100&cursor=${encodeURIComponent(cursor)}`);
        expect(status).toBe(200);
        backward.unshift(body);
        cursor = body.prevCursor;
      }
      expect([...backward.flatMap((page) => page.data.map((e) => e.id)), ...forward.pages.at(-1)!.data.map((e) => e.id)]).toEqual(expected);
      expect(backward[0].data.map((e) => e.id)).toEqual(expected.slice(0, 100));
    });

    it('should refuse a cursor used with other filters', async () => {
      const { body: first } = await get<Page>('/v1/audit-logs?limit=10&status=success');
      const { status, body } = await get<{ code: string; field: string }>(
        `/v1/audit-logs?limit=10&status=failure&cursor=${encodeURIComponent(first.nextCursor!)}`,
      );
      expect(status).toBe(400);
      expect(body).toMatchObject({ code: 'invalid_cursor', field: 'cursor' });
    });

    it('should refuse a cursor whose content was altered', async () => {
      const { body: first } = await get<Page>('/v1/audit-logs?limit=10');
      const [payload, signature] = first.nextCursor!.split('.');
      const wire = JSON.parse(Buffer.from(payload, 'base64url').toString());
      const forged = `${Buffer.from(JSON.stringify({ ...wire, t: '2000-01-01T00:00:00.000Z' })).toString('base64url')}.${signature}`;
      for (const cursor of [forged, 'garbage', `${payload}.x`]) {
        const { status, body } = await get<{ code: string }>(`/v1/audit-logs?limit=10&cursor=${encodeURIComponent(cursor)}`);
        expect(status).toBe(400);
        expect(body.code).toBe('invalid_cursor');
      }
    });

    it('should refuse a cursor of another organization, which it could not read anyway', async () => {
      const { body: first } = await get<Page>('/v1/audit-logs?limit=10');
      const { status } = await get(`/v1/audit-logs?limit=10&cursor=${encodeURIComponent(first.nextCursor!)}`, await token(orgB, 'owner'));
      expect(status).toBe(400);
    });
  });

  describe('facets', () => {
    async function countBy(column: string, from: string, to: string, extra = ''): Promise<Map<string, number>> {
      const result = await api.clickhouse.client.query({
        query: `SELECT toString(${column}) AS value, uniqExact(event_id) AS count FROM ${api.database}.audit_events
                WHERE organization_id = {org:String} AND occurred_at >= {from:DateTime64(3, 'UTC')} AND occurred_at < {to:DateTime64(3, 'UTC')} ${extra}
                GROUP BY value`,
        query_params: { org: orgA, from: from.slice(0, 23).replace('T', ' '), to: to.slice(0, 23).replace('T', ' ') },
        format: 'JSONEachRow',
      });
      return new Map((await result.json<{ value: string; count: string }>()).map((row) => [row.value, Number(row.count)]));
    }

    it.each([
      ['no filter', '', ''],
      ['status and resource types', '&status=failure&resourceType=Member&resourceType=Session', "AND status = 'failure' AND resource_type IN ('Member', 'Session')"],
    ])('should agree with count() per value with %s', async (_name, query, sql) => {
      const from = new Date(now - 10 * DAY).toISOString();
      const to = new Date(now + DAY).toISOString();
      const { status, body } = await get<Facets>(`/v1/audit-logs/facets?from=${from}&to=${to}${query}`);
      expect(status).toBe(200);
      for (const [facet, column] of [
        ['resourceType', 'resource_type'],
        ['action', 'action'],
        ['status', 'status'],
      ] as const) {
        const expected = await countBy(column, from, to, sql);
        expect(new Map(body[facet].map((f) => [f.value, f.count]))).toEqual(expected);
      }
      const total = body.status.reduce((sum, f) => sum + f.count, 0);
      expect(body.resourceType.reduce((sum, f) => sum + f.count, 0)).toBe(total);
      const seeded = inWindowA.filter((e) => e.occurredAt >= from && (!query || (e.status === 'failure' && ['Member', 'Session'].includes(e.resource.type))));
      expect(total).toBe(seeded.length);
    });
  });

  describe('validation', () => {
    it.each([
      ['limit=0', 'limit', 'min'],
      ['limit=1001', 'limit', 'max'],
      ['limit=ten', 'limit', 'isInt'],
      ['limit=5&limit=6', 'limit', 'isInt'],
      ['status=maybe', 'status', 'isIn'],
      ['from=yesterday', 'from', 'isIso8601'],
      ['from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from', 'notAfterTo'],
      ['from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from', 'maxWindow'],
      ['bogus=1', 'bogus', 'unknownParameter'],
      ['resourceType=member', 'resourceType', 'matches'],
      ['action=Drop%20Table', 'action', 'matches'],
      ['actor=', 'actor', 'minLength'],
      [`resourceId=${'x'.repeat(300)}`, 'resourceId', 'maxLength'],
      ["organizationId=a'b", 'organizationId', 'matches'],
      ['actorIp=10.0.0.999', 'actorIp', 'isIp'],
      ['actorIp=10.0.0.0/8', 'actorIp', 'isIp'],
      ["actorIp=1.2.3.4'%20OR%201", 'actorIp', 'isIp'],
    ])('should answer %s with a 400 naming %s and the rule %s', async (query, field, rule) => {
      const { status, body } = await get(`/v1/audit-logs?${query}`);
      expect(status).toBe(400);
      expect(body).toMatchObject({ statusCode: 400, code: 'invalid_parameter', field, rule });
      expect((body as { message: string }).message).toEqual(expect.any(String));
    });

    it('should refuse an unknown export format', async () => {
      const { status, body } = await get('/v1/audit-logs/export?format=xml');
      expect(status).toBe(400);
      expect(body).toMatchObject({ field: 'format', rule: 'isIn' });
    });

    it('should treat values that look like SQL as plain values', async () => {
      const { status, body } = await get<Page>(`/v1/audit-logs?actor=${encodeURIComponent("x' OR 1=1 --")}&resourceId=${encodeURIComponent("') OR ('1'='1")}`);
      expect(status).toBe(200);
      expect(body.data).toEqual([]);
    });

    it('should answer an unknown route with the same error shape', async () => {
      const { status, body } = await get('/v1/nothing-here');
      expect(status).toBe(404);
      expect(body).toMatchObject({ statusCode: 404, code: 'not_found' });
    });
  });

  describe('authorization', () => {
    const endpoints = ['/v1/audit-logs?limit=1000', '/v1/audit-logs/facets', '/v1/audit-logs/export?format=ndjson'];

    /** Organizations whose events the endpoint returned (facets: whether it counted anything of A). */
    async function read(path: string, bearer?: string): Promise<{ status: number; body: unknown; organizations: Set<string> }> {
      const response = await fetch(`${api.baseUrl}${path}`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
      const text = await response.text();
      let events: AuditEvent[] = [];
      let body: unknown;
      if (path.includes('export') && response.status === 200) events = text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as AuditEvent);
      else {
        body = JSON.parse(text);
        if (response.status === 200 && !path.includes('facets')) events = (body as Page).data;
      }
      return { status: response.status, body, organizations: new Set(events.map((e) => e.organizationId)) };
    }

    it.each(endpoints)('%s: no token is 401 unauthenticated; expired or forged tokens are 401 invalid_token', async (path) => {
      expect(await read(path)).toMatchObject({ status: 401, body: { code: 'unauthenticated' } });
      const expired = await token(orgA, 'owner', { expiresIn: Math.floor(Date.now() / 1000) - 60 });
      expect(await read(path, expired)).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
      const forged = await token(orgA, 'owner', { secret: 'another-secret-of-at-least-32-characters!' });
      expect(await read(path, forged)).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
      expect(await read(path, 'not.a.jwt')).toMatchObject({ status: 401, body: { code: 'invalid_token' } });
    });

    it.each(endpoints)('%s: a member is 403; owner and admin read their organization only', async (path) => {
      expect(await read(path, await token(orgA, 'member'))).toMatchObject({ status: 403, body: { code: 'forbidden' } });
      for (const role of ['owner', 'admin'] as const) {
        const result = await read(path, await token(orgA, role));
        expect(result.status).toBe(200);
        if (!path.includes('facets')) expect([...result.organizations]).toEqual([orgA]);
      }
      const other = await read(path, await token(orgB, 'owner'));
      expect(other.status).toBe(200);
      if (!path.includes('facets')) expect([...other.organizations]).toEqual([orgB]);
      else expect((other.body as Facets).status.reduce((sum, f) => sum + f.count, 0)).toBe(eventsB.length);
    });

    it.each(endpoints)('%s: only the security role may name an organization, and it may read across organizations', async (path) => {
      const join = path.includes('?') ? '&' : '?';
      expect(await read(`${path}${join}organizationId=${orgB}`, await token(orgA, 'owner'))).toMatchObject({
        status: 403,
        body: { code: 'forbidden', field: 'organizationId' },
      });
      const security = await token('org_security', 'security');
      const one = await read(`${path}${join}organizationId=${orgB}`, security);
      expect(one.status).toBe(200);
      if (!path.includes('facets')) expect([...one.organizations]).toEqual([orgB]);
      const all = await read(`${path}${join}actor=user_1`, security);
      expect(all.status).toBe(200);
      if (!path.includes('facets')) expect(all.organizations).toEqual(new Set([orgA, orgB]));
    });
  });

  describe('auditing of reads', () => {
    it('should record a read as a view event of the AuditLog, with the reader as actor', async () => {
      const subject = uniqueName('reader');
      await get('/v1/audit-logs?status=failure&limit=3', await token(orgA, 'admin', { subject }));
      const events = await auditEventsOfReader(api.topic, subject, 1);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        organizationId: orgA,
        action: 'view',
        resource: { type: 'AuditLog', id: orgA },
        status: 'success',
        actor: { id: subject, type: 'user', email: `admin@${orgA.replace(/_/g, '-')}.example` },
        metadata: { endpoint: 'list', status: 'failure', role: 'admin' },
      });
    });
  });

  describe('service endpoints', () => {
    it('should serve an OpenAPI document generated from the DTOs at /docs', async () => {
      const { status, body } = await getJson<{ paths: Record<string, { get: { parameters: Array<{ name: string }> } }> }>(api.baseUrl, '/docs/json');
      expect(status).toBe(200);
      const parameters = body.paths['/v1/audit-logs'].get.parameters.map((p) => p.name);
      expect(parameters).toEqual(expect.arrayContaining(['resourceType', 'action', 'actor', 'resourceId', 'actorIp', 'status', 'from', 'to', 'limit', 'cursor']));
      expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/v1/audit-logs/facets', '/v1/audit-logs/export', '/v1/audit-logs/verify']));
      // Health and metrics belong to the operations listener, not to the public API.
      expect(Object.keys(body.paths).filter((path) => !path.startsWith('/v1/'))).toEqual([]);
      expect((await fetch(`${api.baseUrl}/docs`)).status).toBe(200);
    });

    it('should be ready when ClickHouse and Kafka answer', async () => {
      expect(await api.app.get(QueryHealth).ready()).toEqual({ ready: true, body: { status: 'ok', checks: { clickhouse: 'up', kafka: 'up' } } });
    });

    it('should keep serving after the client of an export goes away mid-stream', async () => {
      const bearer = await token(orgA, 'owner');
      const received = await new Promise<number>((resolve, reject) => {
        const req = request(`${api.baseUrl}/v1/audit-logs/export?format=csv`, { headers: { authorization: `Bearer ${bearer}` } }, (res) => {
          res.once('data', (chunk: Buffer) => {
            req.destroy();
            resolve(chunk.length);
          });
        });
        req.on('error', () => undefined);
        req.on('timeout', reject);
        req.end();
      });
      expect(received).toBeGreaterThan(0);
      // The server is still healthy and answers the next request.
      expect((await get('/v1/audit-logs?limit=1')).status).toBe(200);
    });
  });
});
