import { makeAuditEvent, uuidv7, type AuditEvent } from '@audit/contract';
import { uniqueName, waitFor } from '@audit/testing';
import { startFullStack, type FullStack } from './full-stack';

jest.setTimeout(180_000);

type ShownEvent = AuditEvent & { idConflict?: boolean };

interface Page {
  data: ShownEvent[];
  nextCursor: string | null;
  prevCursor: string | null;
}

/** What a reader can tell two rows apart by: organization, id and the content that differs here. */
const label = (event: ShownEvent) => `${event.organizationId}/${event.id}/${event.action}${event.idConflict ? ' (conflict)' : ''}`;

// Reusing an event id: a copy is a copy only if its content is identical. A reuse with other
// content is a second event that must be shown (and marked), never hidden behind the first one;
// an identical re-send is shown once; one organization's event never hides another's.
describe('an event id reused: identical copies shown once, conflicting content shown and marked', () => {
  const time = Date.now() - 3_600_000;
  const at = (offsetMs: number) => new Date(time + offsetMs).toISOString();
  const orgA = uniqueName('org_reuse_a');
  const orgB = uniqueName('org_reuse_b');
  const id = uuidv7(time);
  // Only Patient events are published; the filter keeps the reads' own AuditLog events out of the view.
  const patient = (organizationId: string, overrides: Partial<AuditEvent>) =>
    makeAuditEvent({ organizationId, resource: { type: 'Patient', id: 'patient_7' }, ...overrides });
  const original = patient(orgA, { id, occurredAt: at(0), action: 'update' });
  const rewrite = patient(orgA, { id, occurredAt: at(0), action: 'delete', status: 'failure', reason: 'a different event under the same id' });
  const foreign = patient(orgB, { id, occurredAt: at(0), action: 'view' });
  const newer = patient(orgA, { occurredAt: at(1000), action: 'create' });
  const older = patient(orgA, { occurredAt: at(-1000), action: 'login' });
  let stack: FullStack;
  let owner: string;
  let security: string;

  const get = async <T>(path: string, bearer: string): Promise<T> => {
    const response = await fetch(`${stack.baseUrl}${path}`, { headers: { authorization: `Bearer ${bearer}` } });
    expect(response.status).toBe(200);
    return (path.includes('/export') ? await response.text() : await response.json()) as T;
  };

  /** Every page through nextCursor, then back through prevCursor: both walks must show the same rows. */
  async function walk(query: string, bearer: string, limit: number): Promise<{ forward: string[]; backward: string[] }> {
    const pages: Page[] = [await get<Page>(`/v1/audit-logs?${query}&limit=${limit}`, bearer)];
    while (pages.at(-1)!.nextCursor) pages.push(await get<Page>(`/v1/audit-logs?${query}&limit=${limit}&cursor=${encodeURIComponent(pages.at(-1)!.nextCursor!)}`, bearer));
    const backward: Page[] = [pages.at(-1)!];
    while (backward[0].prevCursor) backward.unshift(await get<Page>(`/v1/audit-logs?${query}&limit=${limit}&cursor=${encodeURIComponent(backward[0].prevCursor!)}`, bearer));
    return { forward: pages.flatMap((page) => page.data.map(label)), backward: backward.flatMap((page) => page.data.map(label)) };
  }

  beforeAll(async () => {
    stack = await startFullStack();
    owner = await stack.token(orgA);
    security = await stack.token(uniqueName('org_security'), 'security');
    await stack.publish([older, original, newer, foreign]);
    // Sent again later, as a retrying producer would, and a different event under the same id.
    await stack.publish([original, rewrite]);
    await waitFor(
      async () => {
        const result = await stack.clickhouse.client.query({
          query: `SELECT count() AS rows FROM ${stack.database}.audit_events WHERE resource_type = 'Patient'`,
          format: 'JSONEachRow',
        });
        const [{ rows }] = await result.json<{ rows: string }>();
        return Number(rows) === 6 || undefined;
      },
      { what: 'six stored Patient rows', timeoutMs: 90_000 },
    );
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('should show both contents under the reused id, marked, and the identical re-send once, on every page size and both ways', async () => {
    const expected = [`${orgA}/${newer.id}/create`, `${orgA}/${id}/delete (conflict)`, `${orgA}/${id}/update (conflict)`, `${orgA}/${older.id}/login`];
    for (const limit of [1, 2, 3, 50]) {
      const { forward, backward } = await walk('resourceType=Patient', owner, limit);
      expect([...forward].sort()).toEqual([...expected].sort());
      expect(backward).toEqual(forward);
    }
  });

  it('should export each content once, plain NDJSON and CSV', async () => {
    const ndjson = (await get<string>('/v1/audit-logs/export?format=ndjson&resourceType=Patient', owner)).trim().split('\n').map((line) => JSON.parse(line) as AuditEvent);
    expect(ndjson.filter((event) => event.id === id).map((event) => event.action).sort()).toEqual(['delete', 'update']);
    expect(ndjson).toHaveLength(4);
    const csv = (await get<string>('/v1/audit-logs/export?format=csv&resourceType=Patient', owner)).trim().split('\r\n').slice(1);
    expect(csv.filter((line) => line.startsWith(id))).toHaveLength(2);
    expect(csv).toHaveLength(4);
  });

  it('should count each content once in the facets', async () => {
    const facets = await get<{ action: Array<{ value: string; count: number }> }>('/v1/audit-logs/facets?resourceType=Patient', owner);
    expect(Object.fromEntries(facets.action.map((facet) => [facet.value, facet.count]))).toEqual({ create: 1, delete: 1, update: 1, login: 1 });
  });

  it('should show the security role both organizations’ events under one id, marking only the organization that reused it', async () => {
    const expected = [
      `${orgA}/${newer.id}/create`,
      `${orgA}/${id}/delete (conflict)`,
      `${orgA}/${id}/update (conflict)`,
      `${orgB}/${id}/view`,
      `${orgA}/${older.id}/login`,
    ];
    for (const limit of [1, 2, 50]) {
      const { forward, backward } = await walk('resourceType=Patient', security, limit);
      expect([...forward].sort()).toEqual([...expected].sort());
      expect(backward).toEqual(forward);
    }
    const ndjson = (await get<string>('/v1/audit-logs/export?format=ndjson&resourceType=Patient', security)).trim().split('\n');
    expect(ndjson).toHaveLength(5);
    const facets = await get<{ status: Array<{ value: string; count: number }> }>('/v1/audit-logs/facets?resourceType=Patient', security);
    expect(facets.status.reduce((sum, facet) => sum + facet.count, 0)).toBe(5);
  });

  it('should keep every delivery a link of the chain, which verifies', async () => {
    const report = await get<{ status: string; checked: number }>('/v1/audit-logs/verify', owner);
    expect(report.status).toBe('ok');
    // Five Patient links of A (the re-send is a link of its own) plus the reads recorded so far.
    expect(report.checked).toBeGreaterThanOrEqual(5);
  });
});
