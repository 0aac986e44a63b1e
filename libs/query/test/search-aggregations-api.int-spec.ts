import { makeAuditEvent, type AuditEvent } from '@audit/contract';
import { uniqueName } from '@audit/testing';
import { auditEventsOfReader, getJson, startQueryTestApp, token, type QueryTestApp } from './query-test-app';

// Seeds and reads real ClickHouse data and a real broker.
jest.setTimeout(120_000);

const HOUR = 3_600_000;

interface Page {
  data: AuditEvent[];
  window: { from: string; to: string };
}
interface Histogram {
  interval: string;
  window: { from: string; to: string };
  buckets: Array<{ start: string; count: number }>;
}
interface Top {
  by: string;
  values: Array<{ value: string; label: string; count: number; actors: number; organizationId: string }>;
}

describe('search (q=) and aggregations through the API', () => {
  const orgA = uniqueName('org_q_a');
  const orgB = uniqueName('org_q_b');
  const now = Date.now();
  let api: QueryTestApp;
  let owner: string;
  let events: AuditEvent[];

  const get = <T>(path: string, bearer = owner) => getJson<T>(api.baseUrl, path, bearer);
  const q = (text: string) => encodeURIComponent(text);

  beforeAll(async () => {
    api = await startQueryTestApp();
    // 60 events in org A over the last 60 hours: actors alice/bob/carol in turn, patients 0–4, every 4th a failure.
    events = Array.from({ length: 60 }, (_, i) =>
      makeAuditEvent({
        organizationId: orgA,
        occurredAt: new Date(now - (i + 1) * HOUR).toISOString(),
        action: i % 2 === 0 ? 'role.change' : 'view',
        status: i % 4 === 0 ? 'failure' : 'success',
        actor: { id: ['alice', 'bob', 'carol'][i % 3], email: `${['alice', 'bob', 'carol'][i % 3]}@a.test`, ip: `10.0.${i % 3}.1` },
        resource: { type: 'Patient', id: `patient_${i % 5}` },
      }),
    );
    await api.insert([...events, ...Array.from({ length: 10 }, () => makeAuditEvent({ organizationId: orgB, occurredAt: new Date(now - HOUR).toISOString(), actor: { id: 'mallory' } }))]);
    // A producer's retry: copies of a third of org A's events, never counted twice.
    await api.insert(events.filter((_, i) => i % 3 === 0));
    owner = await token(orgA, 'owner');
  });

  afterAll(async () => {
    await api?.close();
  });

  describe('q=', () => {
    it('should return exactly the events the search describes', async () => {
      const { status, body } = await get<Page>(`/v1/audit-logs?limit=100&q=${q('actor:alice@a.test action:role.* -status:success')}`);
      expect(status).toBe(200);
      const expected = events.filter((event) => event.actor.id === 'alice' && event.action === 'role.change' && event.status !== 'success');
      expect(body.data.map((event) => event.id).sort()).toEqual(expected.map((event) => event.id).sort());
      expect(expected.length).toBeGreaterThan(0);
    });

    it('should narrow the window with created and combine with the other filters', async () => {
      const since = new Date(now - 10.5 * HOUR).toISOString();
      const { body } = await get<Page>(`/v1/audit-logs?limit=100&status=success&q=${q(`created:>=${since} ip:10.0.0.0/16`)}`);
      expect(body.window.from).toBe(since);
      expect(body.data).toHaveLength(events.filter((event, i) => i < 10 && event.status === 'success').length);
    });

    it('should answer a syntax error with 400 naming the field, the rule and the position', async () => {
      const { status, body } = await get(`/v1/audit-logs?q=${q('action:create colour:red')}`);
      expect(status).toBe(400);
      expect(body).toMatchObject({ code: 'invalid_parameter', field: 'q', rule: 'unknownKey', position: 14 });
      for (const path of ['/v1/audit-logs/facets', '/v1/audit-logs/export', '/v1/audit-logs/histogram', '/v1/audit-logs/top?by=actor']) {
        const refused = await get(`${path}${path.includes('?') ? '&' : '?'}q=${q('status:"open')}`);
        expect({ path, status: refused.status, body: refused.body }).toMatchObject({ path, status: 400, body: { field: 'q', rule: 'unterminatedQuote', position: 7 } });
      }
    });
  });

  describe('histogram', () => {
    it('should count each event of the window once, in automatic buckets that cover the window', async () => {
      const { status, body } = await get<Histogram>('/v1/audit-logs/histogram?q=' + q(`created:>=${new Date(now - 72 * HOUR).toISOString()}`));
      expect(status).toBe(200);
      expect(body.interval).toBe('1h');
      expect(body.buckets.reduce((sum, bucket) => sum + bucket.count, 0)).toBe(60);
      expect(Date.parse(body.buckets[0].start)).toBeLessThanOrEqual(Date.parse(body.window.from));
      expect(Date.parse(body.buckets.at(-1)!.start)).toBeLessThan(Date.parse(body.window.to));
    });

    it('should refuse an interval that would give too many buckets', async () => {
      const { status, body } = await get('/v1/audit-logs/histogram?interval=1m&from=2026-01-01&to=2026-12-01');
      expect({ status, body }).toMatchObject({ status: 400, body: { field: 'interval', rule: 'maxBuckets' } });
    });
  });

  describe('top', () => {
    it('should list who touched one patient’s records, with counts, in the caller’s organization only', async () => {
      const { body } = await get<Top>(`/v1/audit-logs/top?by=actor&resourceType=Patient&resourceId=patient_0`);
      const touched = events.filter((event) => event.resource.id === 'patient_0');
      expect(body.values.map(({ value, count }) => [value, count])).toEqual(
        ['alice', 'bob', 'carol'].map((actor) => [actor, touched.filter((event) => event.actor.id === actor).length]).sort((a, b) => Number(b[1]) - Number(a[1]) || String(a[0]).localeCompare(String(b[0]))),
      );
      expect(body.values.every((value) => value.organizationId === orgA)).toBe(true);
    });

    it('should give the distinct actors per resource', async () => {
      const { body } = await get<Top>('/v1/audit-logs/top?by=resource&limit=5');
      expect(body.values).toHaveLength(5);
      expect(body.values.every((value) => value.count === 12 && value.actors === 3 && value.label === 'Patient')).toBe(true);
    });

    it('should count across organizations for the security role and record the read in each organization it names', async () => {
      const subject = uniqueName('security');
      const { body } = await get<Top>('/v1/audit-logs/top?by=actor&limit=10', await token(uniqueName('org_sec'), 'security', { subject }));
      expect(body.values.find((value) => value.value === 'mallory')).toMatchObject({ count: 10, organizationId: orgB });
      const recorded = await auditEventsOfReader(api.topic, subject, 3);
      expect(recorded.map((event) => event.organizationId)).toEqual(expect.arrayContaining([orgA, orgB]));
      expect(recorded.every((event) => event.action === 'view' && event.metadata?.endpoint === 'top')).toBe(true);
    });

    it('should take the actorIp filter as the list does: only the events from that address count, in the histogram too', async () => {
      const { body } = await get<Top>('/v1/audit-logs/top?by=actor&actorIp=10.0.1.1');
      expect(body.values.map(({ value, count }) => [value, count])).toEqual([['bob', 20]]);
      const histogram = await get<Histogram>('/v1/audit-logs/histogram?actorIp=10.0.1.1');
      expect(histogram.body.buckets.reduce((sum, bucket) => sum + bucket.count, 0)).toBe(20);
    });

    it('should refuse an unknown dimension and a limit above 100', async () => {
      expect((await get('/v1/audit-logs/top?by=password')).status).toBe(400);
      expect((await get('/v1/audit-logs/top?by=ip&limit=101')).body).toMatchObject({ field: 'limit' });
    });
  });

  it('should record each aggregation as an audited read with its search', async () => {
    const subject = uniqueName('reader');
    const bearer = await token(orgA, 'admin', { subject });
    expect((await get(`/v1/audit-logs/histogram?q=${q('-actor:bob actor.type:user')}`, bearer)).status).toBe(200);
    const [event] = await auditEventsOfReader(api.topic, subject, 1);
    expect(event).toMatchObject({ organizationId: orgA, action: 'view', metadata: { endpoint: 'histogram', q: '-actor:bob actor.type:user', interval: '6h' } });
  });
});
