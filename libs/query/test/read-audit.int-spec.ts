import { makeAuditEvent, type AuditEvent } from '@audit/contract';
import { readTopic, startPrivateBroker, testKafka, uniqueName, waitFor, type PrivateBroker } from '@audit/testing';
import { startQueryTestApp, token, type QueryTestApp } from './query-test-app';

// Real broker and chDB; the outage case stops a broker of its own.
jest.setTimeout(240_000);

const HOUR = 3_600_000;

interface Served {
  status: number;
  text: string;
}

async function read(api: QueryTestApp, path: string, bearer?: string): Promise<Served> {
  const response = await fetch(`${api.baseUrl}${path}`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
  return { status: response.status, text: await response.text() };
}

/** Every read an owner can make, and the ones a security reader makes across organizations. */
const OWNER_READS = [
  '/v1/audit-logs?limit=10',
  '/v1/audit-logs/facets',
  '/v1/audit-logs/histogram',
  '/v1/audit-logs/top?by=actor',
  '/v1/audit-logs/export?format=csv',
  '/v1/audit-logs/export?format=ndjson',
  '/v1/audit-logs/verify',
  '/v1/audit-logs/retention',
];

function seed(organizationId: string, count: number): AuditEvent[] {
  return Array.from({ length: count }, (_, i) =>
    makeAuditEvent({ organizationId, occurredAt: new Date(Date.now() - HOUR - i * 60_000).toISOString(), resource: { type: 'Patient', id: `patient_${i}` } }),
  );
}

describe('a read is audited before its data leaves (broker up)', () => {
  const orgA = uniqueName('org_read_a');
  const orgB = uniqueName('org_read_b');
  const securityOrg = uniqueName('org_read_security');
  let api: QueryTestApp;
  let events: AuditEvent[];

  /** The read events on the topic so far, with their offsets (one partition). */
  async function recorded(count: number): Promise<Array<{ offset: number; event: AuditEvent }>> {
    const messages = await readTopic(testKafka('read-audit'), api.topic, { count, timeoutMs: 60_000, settleMs: 1000 });
    return messages.map((message) => ({ offset: Number(message.message.offset), event: JSON.parse(message.value!) as AuditEvent }));
  }

  async function endOffset(): Promise<number> {
    const admin = testKafka('read-audit-admin').admin();
    await admin.connect();
    try {
      const [partition] = await admin.fetchTopicOffsets(api.topic);
      return Number(partition.high);
    } finally {
      await admin.disconnect();
    }
  }

  beforeAll(async () => {
    api = await startQueryTestApp();
    events = [...seed(orgA, 5), ...seed(orgB, 3)];
    await api.insert(events);
  });

  afterAll(async () => {
    await api?.close();
  });

  it('should have the event of every served read on the topic before the first byte of its answer', async () => {
    const served: Array<{ subject: string; path: string; endBeforeAnswer: number }> = [];
    for (const path of OWNER_READS) {
      const subject = uniqueName('reader');
      const response = await fetch(`${api.baseUrl}${path}`, { headers: { authorization: `Bearer ${await token(orgA, 'owner', { subject })}` } });
      // The status line arrived, no byte of the body read yet: the event must already be on the broker.
      const endBeforeAnswer = await endOffset();
      expect(response.status).toBe(200);
      await response.text();
      served.push({ subject, path, endBeforeAnswer });
    }
    const onTopic = await recorded(served.length);
    for (const { subject, path, endBeforeAnswer } of served) {
      const mine = onTopic.filter(({ event }) => event.actor.id === subject);
      expect({ path, events: mine.length }).toEqual({ path, events: 1 });
      expect({ path, offset: mine[0].offset, before: mine[0].offset < endBeforeAnswer }).toEqual({ path, offset: mine[0].offset, before: true });
      expect(mine[0].event).toMatchObject({ organizationId: orgA, status: 'success', resource: { type: 'AuditLog', id: orgA } });
    }
  });

  it('should record a security read of every organization also in each organization whose rows it returned', async () => {
    const subjects = { list: uniqueName('security'), export: uniqueName('security'), facets: uniqueName('security') };
    const bearer = (subject: string) => token(securityOrg, 'security', { subject });
    expect((await read(api, '/v1/audit-logs?resourceType=Patient&limit=100', await bearer(subjects.list))).status).toBe(200);
    const exported = await read(api, '/v1/audit-logs/export?format=ndjson&resourceType=Patient', await bearer(subjects.export));
    expect(exported.text.trim().split('\n')).toHaveLength(events.length);
    expect((await read(api, '/v1/audit-logs/facets?resourceType=Patient', await bearer(subjects.facets))).status).toBe(200);

    const onTopic = (await recorded(7)).map(({ event }) => event);
    const filedIn = (subject: string) =>
      onTopic
        .filter((event) => event.actor.id === subject)
        .map((event) => `${event.organizationId} ${event.action} ${event.resource.id}${event.metadata?.scope ? ` scope=${event.metadata.scope}` : ''}`)
        .sort();
    expect(filedIn(subjects.list)).toEqual([`${orgA} view ${orgA} scope=all`, `${orgB} view ${orgB} scope=all`, `${securityOrg} view *`].sort());
    expect(filedIn(subjects.export)).toEqual([`${orgA} export ${orgA} scope=all`, `${orgB} export ${orgB} scope=all`, `${securityOrg} export *`].sort());
    // Counts over every organization return no organization's rows: recorded once, where the reader belongs.
    expect(filedIn(subjects.facets)).toEqual([`${securityOrg} view *`]);
  });

  it('should record reads refused after the token was verified as failures with their reason, and serve the refusal as it is', async () => {
    const refusals = [
      { role: 'member' as const, path: '/v1/audit-logs', status: 403, code: 'forbidden' },
      { role: 'owner' as const, path: `/v1/audit-logs?organizationId=${orgB}`, status: 403, code: 'forbidden' },
      { role: 'owner' as const, path: '/v1/audit-logs?limit=0', status: 400, code: 'invalid_parameter' },
      { role: 'owner' as const, path: '/v1/audit-logs?cursor=forged.cursor', status: 400, code: 'invalid_cursor' },
      { role: 'owner' as const, path: '/v1/audit-logs/export?format=csv&verified=true', status: 400, code: 'invalid_parameter' },
      { role: 'security' as const, path: '/v1/audit-logs/verify', status: 400, code: 'invalid_parameter' },
    ];
    const subjects: string[] = [];
    for (const refusal of refusals) {
      const subject = uniqueName('refused');
      subjects.push(subject);
      const response = await read(api, refusal.path, await token(orgA, refusal.role, { subject }));
      expect({ path: refusal.path, status: response.status, code: (JSON.parse(response.text) as { code: string }).code }).toEqual({
        path: refusal.path,
        status: refusal.status,
        code: refusal.code,
      });
    }
    // No token: no verified tenant to file it under (the request log and the status metric count it).
    expect((await read(api, '/v1/audit-logs')).status).toBe(401);

    const onTopic = (await recorded(refusals.length)).map(({ event }) => event);
    refusals.forEach((refusal, index) => {
      const mine = onTopic.filter((event) => event.actor.id === subjects[index]);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({
        organizationId: orgA,
        action: refusal.path.includes('/export') ? 'export' : 'view',
        status: 'failure',
        resource: { type: 'AuditLog' },
        metadata: { role: refusal.role, statusCode: refusal.status, code: refusal.code },
      });
      expect(mine[0].reason).toMatch(new RegExp(`^${refusal.code}: .+`));
    });
  });
});

describe('a read is refused when its event cannot be acknowledged (broker down)', () => {
  const organizationId = uniqueName('org_outage');
  let broker: PrivateBroker;
  let api: QueryTestApp;
  let bearer: string;
  let events: AuditEvent[];

  beforeAll(async () => {
    broker = await startPrivateBroker();
    api = await startQueryTestApp({ KAFKA_BROKERS: broker.brokers.join(','), QUERY_CACHE_MS: '0', QUERY_AUDIT_ACK_TIMEOUT_MS: '2000' });
    events = seed(organizationId, 4);
    await api.insert(events);
    bearer = await token(organizationId, 'owner');
  });

  afterAll(async () => {
    await api?.close();
    await broker?.destroy();
  });

  it('should refuse every read with 503 and serve nothing of it while the broker is down, and serve again once it is back', async () => {
    // Served while the broker is up (the recorder connected at boot).
    for (const path of OWNER_READS) expect((await read(api, path, bearer)).status).toBe(200);
    await broker.stop();
    for (const path of OWNER_READS) {
      const started = Date.now();
      const response = await read(api, path, bearer);
      expect({ path, status: response.status }).toEqual({ path, status: 503 });
      expect(JSON.parse(response.text)).toMatchObject({ code: 'audit_unavailable' });
      // Nothing of the log leaves: no event id, no organization, no CSV header.
      for (const event of events) expect(response.text).not.toContain(event.id);
      expect(response.text).not.toContain(organizationId);
      expect(Date.now() - started).toBeLessThan(10_000);
    }
    await broker.start();
    // The recorder retries its batch at most a second apart: reads are served again soon after.
    const back = Date.now();
    await waitFor(async () => ((await read(api, '/v1/audit-logs?limit=10', bearer)).status === 200 ? true : undefined), { what: 'a read served again', timeoutMs: 60_000 });
    expect(Date.now() - back).toBeLessThan(30_000);
  });
});
