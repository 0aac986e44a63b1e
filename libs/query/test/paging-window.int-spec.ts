import { LIMITS, makeAuditEvent, type AuditEvent } from '@audit/contract';
import { uniqueName } from '@audit/testing';
import { getJson, startQueryTestApp, token, type QueryTestApp } from './query-test-app';

jest.setTimeout(120_000);

const DAY = 86_400_000;

interface Page {
  data: AuditEvent[];
  nextCursor: string | null;
  window: { from: string; to: string };
}

// A plain API client pages the default window (no from/to) and takes its time between pages. The
// window is resolved on page 1 and travels in the cursors; the page says which it is, so facets and
// export can be asked for exactly the events the pages show.
describe('paging without from/to while time passes', () => {
  const organizationId = uniqueName('org_window');
  let api: QueryTestApp;
  let bearer: string;
  let inside: AuditEvent[];
  let atTheEdge: AuditEvent[];
  let firstPage: Page;

  beforeAll(async () => {
    api = await startQueryTestApp({ QUERY_CACHE_MS: '0' });
    bearer = await token(organizationId, 'owner');
    inside = Array.from({ length: 12 }, (_, i) => makeAuditEvent({ organizationId, occurredAt: new Date(Date.now() - (i + 1) * DAY).toISOString() }));
    // Just inside the default window as page 1 resolves it, outside it a few seconds later.
    const edge = Date.now() + LIMITS.maxClockSkewMs - 30 * DAY + 2500;
    atTheEdge = Array.from({ length: 3 }, (_, i) => makeAuditEvent({ organizationId, occurredAt: new Date(edge - i * 100).toISOString() }));
    await api.insert([...inside, ...atTheEdge]);
    firstPage = (await getJson<Page>(api.baseUrl, '/v1/audit-logs?limit=5', bearer)).body;
    await new Promise((resolve) => setTimeout(resolve, 3500));
  });

  afterAll(async () => {
    await api?.close();
  });

  it('should page to the end of the window page 1 resolved, never refusing its cursors', async () => {
    const seen = [...firstPage.data];
    let page = firstPage;
    while (page.nextCursor) {
      const next = await getJson<Page & { code?: string }>(api.baseUrl, `/v1/audit-logs?limit=5&cursor=${encodeURIComponent(page.nextCursor)}`, bearer);
      expect({ status: next.status, code: next.body.code }).toEqual({ status: 200, code: undefined });
      expect(next.body.window).toEqual(firstPage.window);
      seen.push(...next.body.data);
      page = next.body;
    }
    expect(seen.map((event) => event.id).sort()).toEqual([...inside, ...atTheEdge].map((event) => event.id).sort());
  });

  it('should give facets and export of the page’s window the same events, where a fresh default window no longer has the oldest', async () => {
    const { from, to } = firstPage.window;
    const window = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    const facets = await getJson<{ status: Array<{ count: number }> }>(api.baseUrl, `/v1/audit-logs/facets?${window}`, bearer);
    expect(facets.body.status.reduce((sum, facet) => sum + facet.count, 0)).toBe(inside.length + atTheEdge.length);
    const exported = async (query: string) => (await (await fetch(`${api.baseUrl}/v1/audit-logs/export?format=ndjson${query}`, { headers: { authorization: `Bearer ${bearer}` } })).text()).trim().split('\n');
    expect(await exported(`&${window}`)).toHaveLength(inside.length + atTheEdge.length);
    expect(await exported('')).toHaveLength(inside.length);
  });
});
