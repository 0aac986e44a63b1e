import { AuditAggregationsRepository, AuditEventsWriteRepository, toAuditEventRow } from '@audit/clickhouse';
import { makeAuditEvent, parseAuditSearch, toSearchFilter, type AuditEvent } from '@audit/contract';
import { openTestClickHouse, uniqueName, type TestClickHouse } from '@audit/testing';

jest.setTimeout(120_000);

const FROM = '2026-04-01T00:00:00.000Z';
const TO = '2026-04-08T00:00:00.000Z';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Rows as the ingester stores them: each delivery a link of its own (chain_seq), so the engine never
 * merges a re-sent copy away (unchained rows sharing organization, time and id would be).
 */
const rows = (events: AuditEvent[], base: number) =>
  events.map((event, i) => ({ ...toAuditEventRow(event, { topic: 'seed', partition: 0, offset: String(base + i) }), chain_seq: base + i + 1 }));

describe('aggregations against the real engine', () => {
  let clickhouse: TestClickHouse;
  let aggregations: AuditAggregationsRepository;
  const orgA = uniqueName('org_agg_a');
  const orgB = uniqueName('org_agg_b');
  const at = (ms: number) => new Date(Date.parse(FROM) + ms).toISOString();
  // org A: day 0 has 3 events (alice twice on patient_1, bob once), day 2 has 1 (carol on patient_1); org B: 5 of its own.
  const eventsA: AuditEvent[] = [
    makeAuditEvent({ organizationId: orgA, occurredAt: at(HOUR), action: 'view', actor: { id: 'alice', email: 'alice@a.test', ip: '10.0.0.1' }, resource: { type: 'Patient', id: 'patient_1' } }),
    makeAuditEvent({ organizationId: orgA, occurredAt: at(2 * HOUR), action: 'view', actor: { id: 'alice', email: 'alice@a.test', ip: '10.0.0.1' }, resource: { type: 'Patient', id: 'patient_1' } }),
    makeAuditEvent({ organizationId: orgA, occurredAt: at(3 * HOUR), action: 'update', actor: { id: 'bob', email: 'bob@a.test', ip: '10.0.0.2' }, resource: { type: 'Patient', id: 'patient_2' } }),
    makeAuditEvent({ organizationId: orgA, occurredAt: at(2 * DAY + HOUR), action: 'view', actor: { id: 'carol', email: 'carol@a.test', ip: undefined }, resource: { type: 'Patient', id: 'patient_1' } }),
  ];
  const eventsB = Array.from({ length: 5 }, (_, i) => makeAuditEvent({ organizationId: orgB, occurredAt: at(i * HOUR), actor: { id: 'mallory' } }));

  beforeAll(async () => {
    clickhouse = await openTestClickHouse();
    aggregations = new AuditAggregationsRepository(clickhouse.handle.client, clickhouse.database);
    const writer = new AuditEventsWriteRepository(clickhouse.handle.client, clickhouse.database);
    await writer.insert(rows([...eventsA, ...eventsB], 0), { deduplicationToken: uniqueName('agg') });
    // A producer's retry of all of org A (identical copies), and other content sent under alice's first id and time (a reused id).
    await writer.insert(rows(eventsA, 100), { deduplicationToken: uniqueName('agg-again') });
    const reused = { ...eventsA[0], action: 'delete' };
    await writer.insert(rows([reused], 200), { deduplicationToken: uniqueName('agg-reused') });
  });

  it('should rank by events, not rows: an actor with one event sent four times never outranks one with two events', async () => {
    const orgC = uniqueName('org_agg_c');
    const writer = new AuditEventsWriteRepository(clickhouse.handle.client, clickhouse.database);
    const once = makeAuditEvent({ organizationId: orgC, occurredAt: at(HOUR), actor: { id: 'x' } });
    const twice = (actor: string) => [1, 2].map((h) => makeAuditEvent({ organizationId: orgC, occurredAt: at(h * HOUR + 60_000), actor: { id: actor } }));
    await writer.insert(rows([once, ...twice('y'), ...twice('z')], 300), { deduplicationToken: uniqueName('rank') });
    for (const copy of [1, 2, 3]) await writer.insert(rows([once], 400 + copy), { deduplicationToken: uniqueName(`rank-copy-${copy}`) });
    const top = async (limit: number) => (await aggregations.top({ organizationId: orgC }, { from: FROM, to: TO }, 'actor', limit)).map(({ value, count }) => [value, count]);
    expect(await top(1)).toEqual([['y', 2]]);
    expect(await top(2)).toEqual([
      ['y', 2],
      ['z', 2],
    ]);
    expect(await top(3)).toEqual([
      ['y', 2],
      ['z', 2],
      ['x', 1],
    ]);
  });

  afterAll(async () => {
    await clickhouse?.close();
  });

  it('should count each event once per day bucket, copies once and a reused id with other content as its own event', async () => {
    expect(await aggregations.histogram({ organizationId: orgA }, { from: FROM, to: TO }, 86_400)).toEqual([
      { start: Date.parse(FROM), count: 4 },
      { start: Date.parse(FROM) + 2 * DAY, count: 1 },
    ]);
  });

  it('should count only the scoped organization, and every organization for the security role', async () => {
    const total = (buckets: Array<{ count: number }>) => buckets.reduce((sum, bucket) => sum + bucket.count, 0);
    expect(total(await aggregations.histogram({ organizationId: orgB }, { from: FROM, to: TO }, 3_600))).toBe(5);
    const everyone = await aggregations.top('all', { from: FROM, to: TO }, 'actor', 10);
    expect(everyone.find((value) => value.value === 'mallory')).toMatchObject({ count: 5, organizationId: orgB });
  });

  it('should list who touched a resource with their counts (the filters and a search apply)', async () => {
    const { clauses } = toSearchFilter(parseAuditSearch('resource.type:Patient resource.id:patient_1'));
    expect(await aggregations.top({ organizationId: orgA }, { from: FROM, to: TO, search: clauses }, 'actor', 10)).toEqual([
      { value: 'alice', label: 'alice@a.test', count: 3, actors: 1, organizationId: orgA },
      { value: 'carol', label: 'carol@a.test', count: 1, actors: 1, organizationId: orgA },
    ]);
  });

  it('should give the distinct actors per resource, IPs without the empty one, and actions', async () => {
    const scope = { organizationId: orgA };
    const filter = { from: FROM, to: TO };
    expect(await aggregations.top(scope, filter, 'resource', 10)).toEqual([
      { value: 'patient_1', label: 'Patient', count: 4, actors: 2, organizationId: orgA },
      { value: 'patient_2', label: 'Patient', count: 1, actors: 1, organizationId: orgA },
    ]);
    expect((await aggregations.top(scope, filter, 'ip', 10)).map(({ value, count }) => [value, count])).toEqual([
      ['10.0.0.1', 3],
      ['10.0.0.2', 1],
    ]);
    expect((await aggregations.top(scope, filter, 'action', 1)).map(({ value, count }) => [value, count])).toEqual([['view', 3]]);
  });
});
