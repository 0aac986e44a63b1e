import { AuditEventsReadRepository, AuditEventsWriteRepository, toAuditEventRow } from '@audit/clickhouse';
import { makeAuditEvent, parseAuditSearch, toSearchFilter, type AuditEvent } from '@audit/contract';
import { openTestClickHouse, uniqueName, type TestClickHouse } from '@audit/testing';

jest.setTimeout(120_000);

const FROM = '2026-05-01T00:00:00.000Z';
const TO = '2026-06-01T00:00:00.000Z';

describe('search (q=) against the real engine', () => {
  let clickhouse: TestClickHouse;
  let reader: AuditEventsReadRepository;
  const organizationId = uniqueName('org_search');
  const at = (minute: number) => new Date(Date.parse('2026-05-10T00:00:00Z') + minute * 60_000).toISOString();
  const events: Record<string, AuditEvent> = {
    alice: makeAuditEvent({ organizationId, occurredAt: at(1), action: 'role.change', actor: { id: 'user_alice', email: 'alice@x.com', ip: '10.1.2.3' } }),
    bob: makeAuditEvent({ organizationId, occurredAt: at(2), action: 'role.grant', status: 'failure', actor: { id: 'user_bob', email: 'bob@x.com', ip: '192.168.0.9' } }),
    service: makeAuditEvent({ organizationId, occurredAt: at(3), action: 'create', actor: { id: 'svc_100%_sync', type: 'service', email: undefined, ip: undefined } }),
    v6: makeAuditEvent({ organizationId, occurredAt: at(4), action: 'delete', resource: { type: 'Patient', id: 'patient_7', name: 'Jane "JD" Doe' }, actor: { id: 'user_carol', email: 'carol@y.org', ip: '2001:db8::42' } }),
    underscore: makeAuditEvent({ organizationId, occurredAt: at(5), action: 'create', actor: { id: 'svc_1000sync', type: 'service', email: undefined, ip: undefined } }),
  };

  /** The names of the seeded events a query finds, oldest first. */
  async function search(q: string): Promise<string[]> {
    const { clauses } = toSearchFilter(parseAuditSearch(q));
    const page = await reader.findPage({ organizationId }, { from: FROM, to: TO, search: clauses }, { limit: 100 });
    const names = new Map(Object.entries(events).map(([name, event]) => [event.id, name]));
    return page.rows.map((row) => names.get(row.event_id) ?? row.event_id).reverse();
  }

  beforeAll(async () => {
    clickhouse = await openTestClickHouse();
    reader = new AuditEventsReadRepository(clickhouse.handle.client, clickhouse.database);
    const writer = new AuditEventsWriteRepository(clickhouse.handle.client, clickhouse.database);
    const rows = Object.values(events).map((event, i) => toAuditEventRow(event, { topic: 'seed', partition: 0, offset: String(i) }));
    await writer.insert(rows, { deduplicationToken: uniqueName('search') });
  });

  afterAll(async () => {
    await clickhouse?.close();
  });

  it('should match an actor by email or by id with one key', async () => {
    expect(await search('actor:alice@x.com')).toEqual(['alice']);
    expect(await search('actor:user_bob')).toEqual(['bob']);
  });

  it('should treat repeated keys as alternatives and different keys as all required', async () => {
    expect(await search('actor:alice@x.com actor:user_bob')).toEqual(['alice', 'bob']);
    expect(await search('actor:alice@x.com actor:user_bob status:failure')).toEqual(['bob']);
  });

  it('should match wildcards and exclude negated values', async () => {
    expect(await search('action:role.*')).toEqual(['alice', 'bob']);
    expect(await search('action:role.* -status:success')).toEqual(['bob']);
    expect(await search('-action:role.* -actor.type:service')).toEqual(['v6']);
  });

  it('should take % and _ in a value literally, not as LIKE wildcards', async () => {
    expect(await search('actor.id:svc_100%_*')).toEqual(['service']);
    expect(await search('actor.id:svc_1000*')).toEqual(['underscore']);
  });

  it('should match quoted values with quotes inside', async () => {
    expect(await search('resource.name:"Jane \\"JD\\" Doe" resource.type:Patient')).toEqual(['v6']);
  });

  it('should match IPv4 and IPv6 addresses and ranges, and skip rows without an address', async () => {
    expect(await search('ip:10.0.0.0/8')).toEqual(['alice']);
    expect(await search('ip:2001:db8::/32')).toEqual(['v6']);
    expect(await search('ip:2001:0db8:0:0:0:0:0:42')).toEqual(['v6']);
    expect(await search('-ip:10.0.0.0/8')).toEqual(['bob', 'service', 'v6', 'underscore']);
  });

  it('should find nothing, and run nothing, from values shaped like SQL', async () => {
    expect(await search(`actor:"' OR 1=1 --" resource.id:"x') OR ('1'='1"`)).toEqual([]);
  });
});
