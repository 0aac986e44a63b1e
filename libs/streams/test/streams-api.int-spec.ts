import { makeAuditEvent } from '@audit/contract';
import { publishStored, readTopic, testKafka, waitFor, WebhookReceiver } from '@audit/testing';
import { startStreamsApiApp, streamChangeEvents, tokenFor, type StreamsApiApp } from './streams-api.app';

jest.setTimeout(120_000);

interface View {
  id: string;
  organizationId: string;
  name: string;
  destination: Record<string, unknown>;
  filter: Record<string, string[]>;
  paused: boolean;
  position: { kind: string; from: string };
  status: { state: string; delivered: number; lag?: { records: number; events: number; seconds: number }; stale: boolean };
  secret?: string;
}

describe('/v1/streams (the management API over the real broker)', () => {
  let api: StreamsApiApp;
  let webhook: WebhookReceiver;
  let owner: string;
  let security: string;
  const webhookSecret = 'whsec-api-test-0123456789';

  beforeAll(async () => {
    [api, webhook] = await Promise.all([startStreamsApiApp({ STREAMS_MAX_PER_ORGANIZATION: '3' }), new WebhookReceiver(webhookSecret).start()]);
    owner = await tokenFor('org_a', 'owner');
    security = await tokenFor('org_sec', 'security');
  });

  afterAll(async () => {
    await api?.close();
    await webhook?.stop();
  });

  const create = (body: unknown, bearer = owner) => api.request<View>('POST', '/v1/streams', bearer, body);
  const webhookTo = (url = `${webhook.baseUrl}/hook`, secret: string | null = webhookSecret) => ({ type: 'webhook', url, ...(secret !== null && { secret }) });

  it('should create a webhook stream, show a generated secret once, and never again', async () => {
    const created = await create({ name: 'to our SIEM', destination: webhookTo(undefined, null) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ organizationId: 'org_a', name: 'to our SIEM', format: 'v1', paused: false, destination: { type: 'webhook', secretSet: true }, position: { kind: 'created' } });
    expect(created.body.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const read = await api.request<View>('GET', `/v1/streams/${created.body.id}`, owner);
    const listed = await api.request<{ data: View[] }>('GET', '/v1/streams', owner);
    for (const text of [JSON.stringify(read.body), JSON.stringify(listed.body)]) expect(text).not.toContain(created.body.secret);
    // Stored sealed: the definitions topic never holds the secret in the clear.
    const records = await readTopic(testKafka('streams-api-raw'), api.env.STREAMS_DEFINITIONS_TOPIC, { count: 1, settleMs: 200 });
    expect(records.map((record) => record.value).join('\n')).not.toContain(created.body.secret);
    await api.request('DELETE', `/v1/streams/${created.body.id}`, owner);
  });

  it('should deliver what is stored after creation, and report it in the stream\'s status with its lag', async () => {
    const created = await create({ name: 'live', destination: webhookTo() });
    await waitFor(async () => ((await api.request<View['status']>('GET', `/v1/streams/${created.body.id}/status`, owner)).body.state === 'active' ? true : undefined), { what: 'the stream to be active' });
    await publishStored(testKafka('streams-api-publish'), api.storedTopic, Array.from({ length: 120 }, () => makeAuditEvent({ organizationId: 'org_a' })));
    await waitFor(async () => (webhook.ledger.report(new Map([['org_a', { to: 120 }]])).missing === 0 ? true : undefined), { what: '120 events at the webhook' });
    const status = await waitFor(async () => {
      const { body } = await api.request<View['status']>('GET', `/v1/streams/${created.body.id}/status`, owner);
      return body.delivered === 120 && body.lag?.records === 0 ? body : undefined;
    }, { what: 'the status to show 120 delivered and no lag' });
    expect(status).toMatchObject({ state: 'active', delivered: 120, lag: { records: 0, events: 0 }, stale: false });
    await api.request('DELETE', `/v1/streams/${created.body.id}`, owner);
  });

  it('should keep a stream to its organization: invisible to another organization\'s owner, visible to the security role', async () => {
    const created = await create({ name: 'mine', destination: webhookTo() });
    const other = await tokenFor('org_b', 'admin');
    expect((await api.request('GET', `/v1/streams/${created.body.id}`, other)).status).toBe(404);
    expect((await api.request('POST', `/v1/streams/${created.body.id}/pause`, other)).status).toBe(404);
    expect((await api.request<{ data: View[] }>('GET', '/v1/streams', other)).body.data).toEqual([]);
    expect((await api.request<{ data: View[] }>('GET', '/v1/streams?organizationId=org_a', security)).body.data.map((stream) => stream.id)).toContain(created.body.id);
    expect((await api.request('GET', '/v1/streams', await tokenFor('org_a', 'member'))).status).toBe(403);
    expect((await api.request('GET', '/v1/streams')).status).toBe(401);
    await api.request('DELETE', `/v1/streams/${created.body.id}`, security);
  });

  it('should let only the security role choose the organization, and require it from them', async () => {
    expect((await create({ name: 'x', organizationId: 'org_b', destination: webhookTo() })).body).toMatchObject({ statusCode: 403, code: 'forbidden', field: 'organizationId' });
    expect((await create({ name: 'x', destination: webhookTo() }, security)).body).toMatchObject({ statusCode: 400, field: 'organizationId', rule: 'required' });
    const all = await create({ name: 'every organization', organizationId: '*', destination: webhookTo() }, security);
    expect(all.body).toMatchObject({ organizationId: '*' });
    expect((await api.request('GET', `/v1/streams/${all.body.id}`, owner)).status).toBe(404);
    await api.request('DELETE', `/v1/streams/${all.body.id}`, security);
  });

  it.each([
    ['no name', { destination: { type: 'webhook', url: 'https://example.com/hook' } }, 'name', 'isString'],
    ['an unknown destination type', { name: 'x', destination: { type: 'email', url: 'https://example.com' } }, 'destination.type', 'isIn'],
    ['a webhook without a URL', { name: 'x', destination: { type: 'webhook' } }, 'destination.url', 'isUrl'],
    ['a URL of another scheme', { name: 'x', destination: { type: 'webhook', url: 'ftp://example.com/x' } }, 'destination.url', 'isUrl'],
    ['the cloud metadata address', { name: 'x', destination: { type: 'webhook', url: 'https://169.254.169.254/latest' } }, 'destination.url', 'address'],
    ['a private address', { name: 'x', destination: { type: 'syslog', host: '10.1.2.3', port: 514 } }, 'destination.host', 'address'],
    ['a Splunk destination without its token', { name: 'x', destination: { type: 'splunk', url: 'https://splunk.example.com:8088' } }, 'destination.secret', 'required'],
    ['a secret too short', { name: 'x', destination: { type: 'datadog', url: 'https://http-intake.logs.datadoghq.eu', secret: 'short' } }, 'destination.secret', 'isLength'],
    ['a syslog port out of range', { name: 'x', destination: { type: 'syslog', host: 'siem.example.com', port: 70000 } }, 'destination.port', 'max'],
    ['an unknown format', { name: 'x', format: 'cef', destination: { type: 'webhook', url: 'https://example.com/hook' } }, 'format', 'isIn'],
    ['an action that is not a verb', { name: 'x', filter: { actions: ['Drop Table'] }, destination: { type: 'webhook', url: 'https://example.com/hook' } }, 'filter.actions', 'matches'],
    ['a status other than success or failure', { name: 'x', filter: { statuses: ['maybe'] }, destination: { type: 'webhook', url: 'https://example.com/hook' } }, 'filter.statuses', 'isIn'],
    ['a start time in the future', { name: 'x', startAt: '2999-01-01T00:00:00Z', destination: { type: 'webhook', url: 'https://example.com/hook' } }, 'startAt', 'past'],
    ['a start time that is not ISO-8601', { name: 'x', startAt: 'yesterday', destination: { type: 'webhook', url: 'https://example.com/hook' } }, 'startAt', 'isIso8601'],
    ['an unknown field', { name: 'x', bogus: 1, destination: { type: 'webhook', url: 'https://example.com/hook' } }, 'bogus', 'unknownParameter'],
    ['a name with a line break', { name: 'a\nb', destination: { type: 'webhook', url: 'https://example.com/hook' } }, 'name', 'matches'],
  ])('should refuse %s with 400 naming the field', async (_name, body, field, rule) => {
    expect((await create(body)).body).toMatchObject({ statusCode: 400, code: 'invalid_parameter', field, rule });
  });

  it('should refuse an id that is not a UUID with 400 naming the field, and an unknown one with 404', async () => {
    expect((await api.request('GET', '/v1/streams/not-a-uuid', owner)).body).toMatchObject({ statusCode: 400, field: 'id' });
    expect((await api.request('GET', '/v1/streams/0195aaaa-0000-7000-8000-000000000000', owner)).body).toMatchObject({ statusCode: 404, code: 'not_found' });
  });

  it('should refuse a stream beyond the organization\'s limit with 409', async () => {
    const limited = await tokenFor('org_limit', 'owner');
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) ids.push((await create({ name: `s${index}`, destination: webhookTo() }, limited)).body.id);
    expect((await create({ name: 'one too many', destination: webhookTo() }, limited)).body).toMatchObject({ statusCode: 409, code: 'stream_limit_reached' });
    for (const id of ids) await api.request('DELETE', `/v1/streams/${id}`, limited);
  });

  it('should change, pause, resume, replay, test and delete a stream, recording each change as an audit event first', async () => {
    const subject = 'user_lifecycle';
    const bearer = await tokenFor('org_life', 'admin', subject);
    const created = await create({ name: 'lifecycle', destination: webhookTo() }, bearer);
    const id = created.body.id;
    const updated = await api.request<View>('PATCH', `/v1/streams/${id}`, bearer, { name: 'renamed', filter: { actions: ['login'] }, format: 'ocsf' });
    expect(updated.body).toMatchObject({ name: 'renamed', filter: { actions: ['login'] }, format: 'ocsf', destination: { secretSet: true } });
    expect((await api.request<View>('POST', `/v1/streams/${id}/pause`, bearer)).body).toMatchObject({ paused: true, status: { state: 'paused' } });
    expect((await api.request<View>('POST', `/v1/streams/${id}/resume`, bearer)).body).toMatchObject({ paused: false });
    const replayFrom = new Date(Date.now() - 3_600_000).toISOString();
    expect((await api.request<View>('POST', `/v1/streams/${id}/replay`, bearer, { from: replayFrom })).body).toMatchObject({ position: { kind: 'from', from: replayFrom } });
    const tested = await api.request<{ ok: boolean }>('POST', `/v1/streams/${id}/test`, bearer);
    expect(tested.body).toMatchObject({ ok: true });
    expect((await api.request('DELETE', `/v1/streams/${id}`, bearer)).status).toBe(204);
    expect((await api.request('GET', `/v1/streams/${id}`, bearer)).status).toBe(404);

    const events = (await streamChangeEvents(api.auditTopic, 7)).filter((event) => event.actor.id === subject);
    expect(events.map((event) => event.action)).toEqual(['stream.create', 'stream.update', 'stream.pause', 'stream.resume', 'stream.replay', 'stream.test', 'stream.delete']);
    expect(events.every((event) => event.organizationId === 'org_life' && event.resource.type === 'AuditStream' && event.resource.id === id && event.status === 'success')).toBe(true);
    expect(events[1].metadata).toMatchObject({ fields: 'name,format,filter' });
    expect(JSON.stringify(events)).not.toContain(webhookSecret);
  });

  it('should report a test delivery that failed, with the destination\'s answer', async () => {
    const created = await create({ name: 'bad token', destination: webhookTo(undefined, 'not-the-receivers-secret-000') });
    const tested = await api.request<{ ok: boolean; statusCode?: number; error?: string }>('POST', `/v1/streams/${created.body.id}/test`, owner);
    expect(tested.body).toMatchObject({ ok: false, statusCode: 401, error: expect.stringContaining('HTTP 401') });
    await api.request('DELETE', `/v1/streams/${created.body.id}`, owner);
  });
});
