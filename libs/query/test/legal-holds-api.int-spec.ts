import { chainEvents, storeChain, uniqueName, type StoredTestChain } from '@audit/testing';
import type { LegalHoldView } from '../src/legal-holds/legal-hold.dto';
import { auditEventsOfReader, getJson, startQueryTestApp, token, type JsonResponse, type QueryTestApp } from './query-test-app';

jest.setTimeout(120_000);

type HoldAnswer = LegalHoldView & { code?: string; field?: string; rule?: string };

describe('legal holds (/v1/legal-holds)', () => {
  let api: QueryTestApp;
  let chain: StoredTestChain;
  const orgA = uniqueName('org_hold_a');
  const orgB = uniqueName('org_hold_b');

  beforeAll(async () => {
    api = await startQueryTestApp();
    chain = await storeChain(api.clickhouse, api.database, chainEvents(orgA, 20));
    await storeChain(api.clickhouse, api.database, chainEvents(orgB, 5));
  });

  afterAll(async () => {
    await api?.close();
  });

  async function post(path: string, body: unknown, bearer: string): Promise<JsonResponse<HoldAnswer>> {
    const response = await fetch(`${api.baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as HoldAnswer };
  }

  /** The window of links from…to of orgA's chain (one event a second). */
  const windowOf = (from: number, to: number) => ({ from: chain.links[from - 1].occurredAt, to: chain.links[to].occurredAt });

  it('lets an owner hold a window of their organization: from its first link on, listed, shown with the retention, and recorded as an audit event', async () => {
    const subject = uniqueName('owner');
    const owner = await token(orgA, 'owner', { subject });

    const placed = await post('/v1/legal-holds', { reason: 'Litigation hold, matter 2026-117', ...windowOf(5, 7) }, owner);

    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ organizationId: orgA, status: 'active', fromSeq: 5, window: windowOf(5, 7), reason: 'Litigation hold, matter 2026-117', placedBy: { id: subject, role: 'owner' } });
    const listed = await getJson<LegalHoldView[]>(api.baseUrl, '/v1/legal-holds', await token(orgA, 'admin'));
    expect(listed).toMatchObject({ status: 200, body: [{ holdId: placed.body.holdId, status: 'active' }] });
    const retention = await getJson<{ activeHolds: LegalHoldView[]; expiredThrough: unknown }>(api.baseUrl, '/v1/audit-logs/retention', owner);
    expect(retention.body).toMatchObject({ activeHolds: [{ holdId: placed.body.holdId, fromSeq: 5 }], expiredThrough: null });
    const [event] = await auditEventsOfReader(api.topic, subject, 1);
    expect(event).toMatchObject({
      organizationId: orgA,
      action: 'legal_hold.place',
      resource: { type: 'LegalHold', id: placed.body.holdId },
      status: 'success',
      metadata: { role: 'owner', reason: 'Litigation hold, matter 2026-117', fromSeq: 5, from: windowOf(5, 7).from },
    });
  });

  it('lets the security role hold the organization it names, every row without a window, and release it once', async () => {
    const subject = uniqueName('security');
    const security = await token('org_sec', 'security', { subject });

    const placed = await post('/v1/legal-holds', { organizationId: orgB, reason: 'Incident 4711' }, security);
    const released = await post(`/v1/legal-holds/${placed.body.holdId}/release`, { organizationId: orgB, reason: 'Incident closed' }, security);
    const again = await post(`/v1/legal-holds/${placed.body.holdId}/release`, { organizationId: orgB, reason: 'twice' }, security);

    expect(placed).toMatchObject({ status: 201, body: { organizationId: orgB, fromSeq: 0, window: null, placedBy: { role: 'security' } } });
    expect(released).toMatchObject({ status: 200, body: { holdId: placed.body.holdId, status: 'released', released: { reason: 'Incident closed', by: { id: subject } } } });
    expect(again).toMatchObject({ status: 409, body: { code: 'already_released' } });
    expect((await getJson<LegalHoldView[]>(api.baseUrl, `/v1/legal-holds?organizationId=${orgB}`, security)).body).toEqual([]);
    expect((await getJson<LegalHoldView[]>(api.baseUrl, `/v1/legal-holds?organizationId=${orgB}&status=all`, security)).body).toMatchObject([{ status: 'released' }]);
    const events = (await auditEventsOfReader(api.topic, subject, 3)).filter((event) => event.resource.type === 'LegalHold');
    expect(events.map((event) => [event.action, event.status, event.organizationId, event.metadata?.reason ?? event.reason])).toEqual([
      ['legal_hold.place', 'success', orgB, 'Incident 4711'],
      ['legal_hold.release', 'success', orgB, 'Incident closed'],
      // The second release was refused: on the record in the requester's organization.
      ['legal_hold.release', 'failure', 'org_sec', expect.stringMatching(/^already_released: legal hold .* was released at /)],
    ]);
  });

  it('lets only owners and the security role place or release holds, each for the organization it may act on', async () => {
    const body = { reason: 'x' };
    expect((await post('/v1/legal-holds', body, await token(orgA, 'admin'))).body).toMatchObject({ code: 'forbidden' });
    expect((await post('/v1/legal-holds', body, await token(orgA, 'member'))).status).toBe(403);
    expect((await post('/v1/legal-holds', { ...body, organizationId: orgB }, await token(orgA, 'owner'))).body).toMatchObject({ code: 'forbidden', field: 'organizationId' });
    expect((await post('/v1/legal-holds', body, await token('org_sec', 'security'))).body).toMatchObject({ code: 'invalid_parameter', field: 'organizationId' });
    const held = await post('/v1/legal-holds', body, await token(orgA, 'owner'));
    const admin = uniqueName('admin');
    expect((await post(`/v1/legal-holds/${held.body.holdId}/release`, body, await token(orgA, 'admin', { subject: admin }))).status).toBe(403);
    // The refused attempt is on the record, as a failed release of that hold.
    expect(await auditEventsOfReader(api.topic, admin, 1)).toMatchObject([
      { organizationId: orgA, action: 'legal_hold.release', resource: { type: 'LegalHold', id: held.body.holdId }, status: 'failure', reason: expect.stringMatching(/^forbidden: /) },
    ]);
    // Another organization's owner does not find it.
    expect((await post(`/v1/legal-holds/${held.body.holdId}/release`, body, await token(orgB, 'owner'))).body).toMatchObject({ code: 'not_found', field: 'holdId' });
  });

  it('refuses a hold without a reason, with an empty or backward window, an unknown field or control characters, naming the field', async () => {
    const owner = await token(orgA, 'owner');
    const cases: Array<[unknown, string]> = [
      [{}, 'reason'],
      [{ reason: '' }, 'reason'],
      [{ reason: 'a\nforged line' }, 'reason'],
      [{ reason: 'x'.repeat(1025) }, 'reason'],
      [{ reason: 'x', from: '2026-03-01T00:00:00Z', to: '2026-02-01T00:00:00Z' }, 'from'],
      [{ reason: 'x', from: 'yesterday' }, 'from'],
      [{ reason: 'x', scope: 'all' }, 'scope'],
    ];
    for (const [body, field] of cases) {
      expect({ body, answer: (await post('/v1/legal-holds', body, owner)).body }).toMatchObject({ body, answer: { code: 'invalid_parameter', field } });
    }
    expect((await post('/v1/legal-holds/not-a-uuid/release', { reason: 'x' }, owner)).body).toMatchObject({ code: 'invalid_parameter', field: 'holdId' });
  });
});
