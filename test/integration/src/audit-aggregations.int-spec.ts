import { AuditAggregationsRepository, AuditEventsWriteRepository, DEFAULT_READ_LIMITS, toAuditEventRow } from '@audit/clickhouse';
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

  describe('over more rows than one count may hold in memory', () => {
    // 480k events of one organization over 6 days, 80k a day, 400 actors; then 2,000 of them sent
    // again (identical copies, each a link of its own) and 500 ids reused with other content. Only
    // the dimension values and the day carry meaning; the content is the generator's.
    const org = uniqueName('org_agg_big');
    const events = 480_000;
    const generated = (first: number, count: number, action: string) => `
      SELECT toUUID(concat('00000000-0000-7000-8000-', leftPad(toString(n), 12, '0'))) AS event_id, {org:String} AS organization_id,
             toDateTime64({from:String}, 3, 'UTC') + toIntervalMillisecond(intDiv(n * 6 * 86400000, ${events})) AS occurred_at,
             concat('actor_', toString(n % 400)) AS actor_id, concat('actor_', toString(n % 400), '@big.test') AS actor_email,
             '${action}' AS action, 'Patient' AS resource_type, concat('pat_', toString(n % 1000)) AS resource_id, 'success' AS status,
             n + 1 + ${first} AS chain_seq, n + ${first} AS kafka_offset
      FROM (SELECT number AS n FROM numbers(${count}))`;
    // 80k a day, and the 500 reused ids (one every 960 events, so 83 or 84 a day) counted as the events they are.
    const expectedDays = Array.from({ length: 6 }, (_, day) => ({
      start: Date.parse(FROM) + day * DAY,
      count: 80_000 + Array.from({ length: 80_000 }, (_, i) => day * 80_000 + i).filter((n) => n % 960 === 1).length,
    }));
    // 24 MB: about 94,000 rows a count at 256 bytes each, one day of this organization; the whole window in one count needs several times it.
    const limits = { maxExecutionTimeSeconds: 60, maxMemoryUsageBytes: 24_000_000, maxResultRows: 1000 };

    beforeAll(async () => {
      // Each insert its own token: the embedded session keeps the last one set, which would drop these blocks as replays.
      const columns = 'event_id, organization_id, occurred_at, actor_id, actor_email, action, resource_type, resource_id, status, chain_seq, kafka_offset';
      const insert = (select: string) =>
        clickhouse.handle.client.command({
          query: `INSERT INTO ${clickhouse.database}.audit_events (${columns}) SELECT ${columns} FROM (${select}) SETTINGS max_insert_block_size = 1000000, insert_deduplication_token = '${uniqueName('agg-big')}'`,
          query_params: { org, from: FROM.replace('T', ' ').replace('Z', '') },
        });
      await insert(generated(0, events, 'view'));
      await insert(`${generated(events, events, 'view')} WHERE n % 240 = 0`);
      await insert(`${generated(2 * events, events, 'delete')} WHERE n % 960 = 1`);
    });

    it('should count a histogram exactly, slice by slice, where one query over the window is refused for memory', async () => {
      const bounded = new AuditAggregationsRepository(clickhouse.handle.client, clickhouse.database, limits);
      const days = await bounded.histogram({ organizationId: org }, { from: FROM, to: TO }, 86_400);
      expect(days).toEqual(expectedDays);
      // The same count with no bound on memory, for comparison: one query, same answer.
      expect(await aggregations.histogram({ organizationId: org }, { from: FROM, to: TO }, 86_400)).toEqual(days);
      // What the slices avoid: the same count as one query under the same limits.
      const oneQuery = new AuditAggregationsRepository(clickhouse.handle.client, clickhouse.database, limits, { countedRowsPerQuery: 10_000_000 });
      await expect(oneQuery.histogram({ organizationId: org }, { from: FROM, to: TO }, 86_400)).rejects.toMatchObject({ type: 'MEMORY_LIMIT_EXCEEDED' });
    });

    it('should cut a bucket too large for one count into spans of time and add their counts, copies never split', async () => {
      // 30,000 rows a count: each day's 80,000 rows and more in six spans of four hours.
      const bounded = new AuditAggregationsRepository(clickhouse.handle.client, clickhouse.database, limits, { countedRowsPerQuery: 30_000 });
      expect(await bounded.histogram({ organizationId: org }, { from: FROM, to: TO }, 86_400)).toEqual(expectedDays);
      // The small organization's one day of nine rows, five events, in pieces of two rows.
      const small = new AuditAggregationsRepository(clickhouse.handle.client, clickhouse.database, limits, { countedRowsPerQuery: 2 });
      expect(await small.histogram({ organizationId: orgA }, { from: FROM, to: TO }, 86_400)).toEqual([
        { start: Date.parse(FROM), count: 4 },
        { start: Date.parse(FROM) + 2 * DAY, count: 1 },
      ]);
    });

    it('should stop a histogram of many slices at the time limit of one read, as a read that ran too long', async () => {
      // A hundred rows a slice: about 10,000 queries, each within its own limit; together far beyond a second.
      const slow = new AuditAggregationsRepository(clickhouse.handle.client, clickhouse.database, { ...limits, maxExecutionTimeSeconds: 1 }, { countedRowsPerQuery: 100 });
      const started = Date.now();
      await expect(slow.histogram({ organizationId: org }, { from: FROM, to: TO }, 86_400)).rejects.toMatchObject({ type: 'TIMEOUT_EXCEEDED' });
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('should rank the top actors exactly under the same limits (rows counted by hash, events for candidates only)', async () => {
      const bounded = new AuditAggregationsRepository(clickhouse.handle.client, clickhouse.database, limits);
      const top = await bounded.top({ organizationId: org }, { from: FROM, to: TO }, 'actor', 3);
      // 1,200 events each. The copies (n % 240 = 0) give actors 0, 80, 160, 240 and 320 400 more rows but no event; the
      // reused ids (n % 960 = 1) give actors 1, 81, 161, 241 and 321 100 more events. The first candidates by rows are the
      // copied actors, whose 1,200 events do not beat the 1,300 rows of the first actor left out: the candidates widen.
      expect(top.map(({ value, count }) => [value, count])).toEqual([
        ['actor_1', 1_300],
        ['actor_161', 1_300],
        ['actor_241', 1_300],
      ]);
      expect(top[0]).toMatchObject({ actors: 1, label: 'actor_1@big.test', organizationId: org });
      expect(await aggregations.top({ organizationId: org }, { from: FROM, to: TO }, 'actor', 3)).toEqual(top);
    });

    it('should count a top list whose candidates hold more rows than one count, slice by slice (actions: every row)', async () => {
      const bounded = new AuditAggregationsRepository(clickhouse.handle.client, clickhouse.database, limits);
      const scope = { organizationId: org };
      const filter = { from: FROM, to: TO };
      // 'view': 480,000 events in 482,000 rows, by all 400 actors; 'delete': the 500 reused ids, by actors 1, 81, 161, 241 and 321.
      expect(await bounded.top(scope, filter, 'action', 2)).toEqual([
        { value: 'view', label: '', count: 480_000, actors: 400, organizationId: '' },
        { value: 'delete', label: '', count: 500, actors: 5, organizationId: '' },
      ]);
      // Actors and resources too, when the candidates' rows are more than a count may hold.
      const sliced = new AuditAggregationsRepository(clickhouse.handle.client, clickhouse.database, limits, { countedRowsPerQuery: 5_000 });
      for (const by of ['actor', 'resource', 'ip'] as const) expect(await sliced.top(scope, filter, by, 4)).toEqual(await aggregations.top(scope, filter, by, 4));
    });

    it('should cut a long window into slices by row counts the read may return, whatever the window holds', async () => {
      // 100 result rows, 5,000 rows a count: the 144 hours holding rows are more buckets than one read may return.
      const few = new AuditAggregationsRepository(clickhouse.handle.client, clickhouse.database, { ...limits, maxResultRows: 100 }, { countedRowsPerQuery: 5_000 });
      const scope = { organizationId: org };
      const filter = { from: FROM, to: TO };
      expect(await few.top(scope, filter, 'actor', 4)).toEqual(await aggregations.top(scope, filter, 'actor', 4));
      expect(await few.histogram(scope, filter, 86_400)).toEqual(expectedDays);
    });

    it('should count every value instead when the widened candidates would pass the rows a read may return', async () => {
      // 20 result rows: the second round's 24 candidates would not fit, so every actor is counted and the first 3 kept.
      const narrow = new AuditAggregationsRepository(clickhouse.handle.client, clickhouse.database, { ...DEFAULT_READ_LIMITS, maxResultRows: 20 });
      expect((await narrow.top({ organizationId: org }, { from: FROM, to: TO }, 'actor', 3)).map(({ value, count }) => [value, count])).toEqual([
        ['actor_1', 1_300],
        ['actor_161', 1_300],
        ['actor_241', 1_300],
      ]);
    });

    it('should give the same top lists when values share a hash (each counted by its value, never one for another)', async () => {
      // Four hash values for 400 actors and 1,000 resources: every candidate group holds many values.
      const crowded = new AuditAggregationsRepository(clickhouse.handle.client, clickhouse.database, undefined, { valueHash: (tuple) => `cityHash64${tuple} % 4` });
      const scope = { organizationId: org };
      const filter = { from: FROM, to: TO };
      for (const by of ['actor', 'resource', 'ip', 'action'] as const) {
        expect(await crowded.top(scope, filter, by, 5)).toEqual(await aggregations.top(scope, filter, by, 5));
      }
      expect((await crowded.top(scope, filter, 'actor', 3)).map(({ value }) => value)).toEqual(['actor_1', 'actor_161', 'actor_241']);
    });
  });
});
