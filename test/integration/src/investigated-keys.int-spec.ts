import {
  AuditAggregationsRepository,
  AuditEventsReadRepository,
  AuditEventsWriteRepository,
  defaultMigrationsDir,
  runMigrations,
  toAuditEventRow,
  type AuditEventsFilter,
  type TenantScope,
} from '@audit/clickhouse';
import { makeAuditEvent, parseAuditSearch, toSearchFilter, type AuditEvent } from '@audit/contract';
import { openTestClickHouse, uniqueName, type TestClickHouse } from '@audit/testing';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(120_000);

const FROM = '2026-03-01T00:00:00.000Z';
const TO = '2026-04-01T00:00:00.000Z';
const MINUTE = 60_000;

const search = (q: string) => toSearchFilter(parseAuditSearch(q)).clauses;

/** Rows as the ingester stores them: each delivery a link of its own, so a re-sent copy stays a row. */
const rows = (events: AuditEvent[], base: number) =>
  events.map((event, i) => ({ ...toAuditEventRow(event, { topic: 'seed', partition: 0, offset: String(base + i) }), chain_seq: base + i + 1 }));

/**
 * The investigations' access path (migration 0006): a read by actor, resource or IP takes the
 * places of its key's entries from audit_event_keys and reads only those rows of audit_events. Its
 * pages must be exactly those of a read that scans the window: same rows, same order, copies once,
 * reused ids twice, other tenants' rows never.
 */
describe('investigations through audit_event_keys', () => {
  let clickhouse: TestClickHouse;
  let reader: AuditEventsReadRepository;
  let aggregations: AuditAggregationsRepository;
  const orgA = uniqueName('org_keys_a');
  const orgB = uniqueName('org_keys_b');
  const at = (minute: number) => new Date(Date.parse('2026-03-10T00:00:00Z') + minute * MINUTE).toISOString();
  const alice = (organizationId: string, minute: number, extra: Partial<AuditEvent> = {}) =>
    makeAuditEvent({ organizationId, occurredAt: at(minute), actor: { id: `alice_${organizationId}`, email: 'alice@x.com', ip: '10.0.0.7' }, resource: { type: 'Patient', id: 'patient_1' }, ...extra });
  // Alice in two organizations (one email, two ids), with events at the same instant in both, and
  // other actors' events at her instants and on her resource.
  const events: AuditEvent[] = [
    ...Array.from({ length: 9 }, (_, i) => alice(orgA, i * 3)),
    ...Array.from({ length: 6 }, (_, i) => alice(orgB, i * 6)),
    alice(orgA, 40, { status: 'failure', reason: 'denied' }),
    alice(orgB, 41, { status: 'failure', reason: 'denied' }),
    makeAuditEvent({ organizationId: orgA, occurredAt: at(3), actor: { id: 'bob', email: 'bob@x.com' }, resource: { type: 'Patient', id: 'patient_1' } }),
    makeAuditEvent({ organizationId: orgB, occurredAt: at(6), actor: { id: 'carol', email: 'carol@x.com' }, resource: { type: 'Patient', id: 'patient_2' } }),
    ...[1, 2].map((minute) => makeAuditEvent({ organizationId: orgB, occurredAt: at(minute), actor: { id: 'erin', ip: '2001:db8::42' } })),
  ];
  const reused = { ...events[2], action: 'delete' };

  beforeAll(async () => {
    clickhouse = await openTestClickHouse();
    reader = new AuditEventsReadRepository(clickhouse.handle.client, clickhouse.database);
    aggregations = new AuditAggregationsRepository(clickhouse.handle.client, clickhouse.database);
    const writer = new AuditEventsWriteRepository(clickhouse.handle.client, clickhouse.database);
    await writer.insert(rows(events, 0), { deduplicationToken: uniqueName('keys') });
    // A producer's retry of alice's first events (identical copies), and other content under one of her ids (a reused id).
    await writer.insert(rows([...events.slice(0, 4), reused], 100), { deduplicationToken: uniqueName('keys-again') });
  });

  afterAll(async () => {
    await clickhouse?.close();
  });

  /** Every page of a read, `limit` rows at a time, older and then back newer: event ids with their conflict marks. */
  async function walk(scope: TenantScope, filter: AuditEventsFilter, limit: number): Promise<{ older: string[]; newer: string[] }> {
    const label = (row: { event_id: string; action: string; id_conflict?: boolean }) => `${row.event_id}/${row.action}${row.id_conflict ? '/conflict' : ''}`;
    const older: string[] = [];
    let page = await reader.findPage(scope, filter, { limit });
    older.push(...page.rows.map(label));
    while (page.hasMore) {
      const last = page.rows.at(-1)!;
      page = await reader.findPage(scope, filter, { limit, olderThan: { organizationId: last.organization_id, occurredAt: last.occurred_at, eventId: last.event_id, contentDigest: last.content_digest! } });
      older.push(...page.rows.map(label));
    }
    const oldest = page.rows.at(-1);
    const newer: string[] = oldest ? [label(oldest)] : [];
    for (let row = oldest; row; ) {
      const back = await reader.findPage(scope, filter, { limit, newerThan: { organizationId: row.organization_id, occurredAt: row.occurred_at, eventId: row.event_id, contentDigest: row.content_digest! } });
      newer.unshift(...back.rows.map(label));
      row = back.hasMore ? back.rows[0] : undefined;
    }
    return { older, newer };
  }

  it.each<[string, TenantScope, Partial<AuditEventsFilter>, Partial<AuditEventsFilter>]>([
    ['the actor filter (email), all organizations', 'all', { actor: 'alice@x.com' }, { search: search('actor:alice@x.co*') }],
    ['the actor filter (id), one organization', { organizationId: orgA }, { actor: `alice_${orgA}` }, { search: search(`actor.id:alice_${orgA}*`) }],
    ['an actor search with another filter', 'all', { search: search('actor:alice@x.com'), status: 'failure' }, { search: search('actor:alice@x.co* status:failure') }],
    ['the resource filter, one organization', { organizationId: orgA }, { resourceId: 'patient_1' }, { search: search('resource.id:patient_1*') }],
    ['a resource search, all organizations', 'all', { search: search('resource.id:patient_1') }, { search: search('resource.id:patient_1*') }],
    ['an address search, all organizations', 'all', { search: search('ip:10.0.0.7') }, { search: search('ip:10.0.0.7/32') }],
    ['an IPv6 address written another way', 'all', { search: search('ip:2001:0db8:0:0:0:0:0:42') }, { search: search('ip:2001:db8::42/128') }],
  ])('should page %s exactly as a read of the whole window does', async (_name, scope, indexed, scanned) => {
    const expected = await walk(scope, { from: FROM, to: TO, ...scanned }, 1000);
    expect(expected.older.length).toBeGreaterThan(1);
    for (const limit of [1, 4]) {
      const found = await walk(scope, { from: FROM, to: TO, ...indexed }, limit);
      expect(found.older).toEqual(expected.older);
      expect(found.newer).toEqual(found.older);
    }
  });

  it.each<[string, TenantScope, Partial<AuditEventsFilter>, Partial<AuditEventsFilter>]>([
    ['an actor, all organizations', 'all', { actor: 'alice@x.com' }, { search: search('actor:alice@x.co*') }],
    ['a resource, one organization', { organizationId: orgA }, { resourceId: 'patient_1' }, { search: search('resource.id:patient_1*') }],
    ['an address, all organizations', 'all', { search: search('ip:2001:0db8::42') }, { search: search('ip:2001:db8::42/128') }],
  ])('should count %s in a histogram and top lists exactly as a scan of the window does', async (_name, scope, indexed, scanned) => {
    const byKey = { from: FROM, to: TO, ...indexed };
    const byScan = { from: FROM, to: TO, ...scanned };
    const expected = await aggregations.histogram(scope, byScan, 60);
    expect(expected.length).toBeGreaterThan(1);
    expect(await aggregations.histogram(scope, byKey, 60)).toEqual(expected);
    for (const by of ['actor', 'resource', 'ip', 'action'] as const) {
      expect(await aggregations.top(scope, byKey, by, 10)).toEqual(await aggregations.top(scope, byScan, by, 10));
    }
  });

  it('should show a re-sent copy once and a reused id as two events, as every page does', async () => {
    const page = await reader.findPage('all', { from: FROM, to: TO, actor: 'alice@x.com' }, { limit: 1000 });
    expect(page.rows).toHaveLength(9 + 6 + 2 + 1);
    expect(page.rows.filter((row) => row.event_id === events[2].id).map((row) => [row.action, row.id_conflict])).toEqual(
      expect.arrayContaining([
        [events[2].action, true],
        ['delete', true],
      ]),
    );
    expect(page.rows.filter((row) => row.organization_id !== orgA && row.organization_id !== orgB)).toEqual([]);
  });

  it("should not return another organization's events to an organization's reader", async () => {
    const page = await reader.findPage({ organizationId: orgB }, { from: FROM, to: TO, actor: 'alice@x.com' }, { limit: 1000 });
    expect(page.rows.map((row) => row.organization_id)).toEqual(Array(7).fill(orgB));
  });

  it('should read and count the rows through their entries: a row without one is not found by its actor, while a scan still finds it', async () => {
    const loner = makeAuditEvent({ organizationId: orgA, occurredAt: at(100), actor: { id: 'dave', email: 'dave@x.com' } });
    const { client } = clickhouse.handle;
    // The view that enters keys is detached for this one insert, as if the row had been stored without an entry.
    await client.command({ query: `DETACH TABLE ${clickhouse.database}.audit_event_keys_mv` });
    try {
      await new AuditEventsWriteRepository(client, clickhouse.database).insert(rows([loner], 500), { deduplicationToken: uniqueName('keys-loner') });
    } finally {
      await client.command({ query: `ATTACH TABLE ${clickhouse.database}.audit_event_keys_mv` });
    }
    const byKey = await reader.findPage({ organizationId: orgA }, { from: FROM, to: TO, actor: 'dave@x.com' }, { limit: 10 });
    const byScan = await reader.findPage({ organizationId: orgA }, { from: FROM, to: TO, search: search('actor:dave@x.co*') }, { limit: 10 });
    expect(byKey.rows).toEqual([]);
    expect(byScan.rows.map((row) => row.event_id)).toEqual([loner.id]);
    expect(await aggregations.histogram({ organizationId: orgA }, { from: FROM, to: TO, actor: 'dave@x.com' }, 3600)).toEqual([]);
    expect(await aggregations.histogram({ organizationId: orgA }, { from: FROM, to: TO, search: search('actor:dave@x.co*') }, 3600)).toHaveLength(1);
  });

  it('should enter a replayed block once: the block the log drops as a copy adds no entries, before any merge', async () => {
    const orgC = uniqueName('org_keys_c');
    const block = rows([alice(orgC, 50), alice(orgC, 51)], 700);
    const token = uniqueName('keys-replay');
    const writer = new AuditEventsWriteRepository(clickhouse.handle.client, clickhouse.database);
    await writer.insert(block, { deduplicationToken: token });
    await writer.insert(block, { deduplicationToken: token });
    const result = await clickhouse.handle.client.query({
      query: `SELECT count() AS entries FROM ${clickhouse.database}.audit_event_keys WHERE organization_id = {org:String}`,
      query_params: { org: orgC },
      format: 'JSONEachRow',
    });
    // Per row: email, id, resource and address.
    expect(await result.json()).toEqual([{ entries: 8 }]);
  });

  it('should enter each stored row under its actor email and id, its resource id and its address in canonical form', async () => {
    const result = await clickhouse.handle.client.query({
      query: `SELECT key_kind, key_value, count() AS entries FROM ${clickhouse.database}.audit_event_keys
              WHERE organization_id = {org:String} AND occurred_at = {time:DateTime64(3, 'UTC')} GROUP BY key_kind, key_value ORDER BY key_kind, key_value`,
      query_params: { org: orgB, time: at(6).replace('T', ' ').replace('Z', '') },
      format: 'JSONEachRow',
    });
    expect(await result.json()).toEqual([
      { key_kind: 'actor', key_value: 'alice@x.com', entries: 1 },
      { key_kind: 'actor', key_value: `alice_${orgB}`, entries: 1 },
      { key_kind: 'actor', key_value: 'carol', entries: 1 },
      { key_kind: 'actor', key_value: 'carol@x.com', entries: 1 },
      { key_kind: 'ip', key_value: '::ffff:10.0.0.7', entries: 1 },
      { key_kind: 'ip', key_value: '::ffff:203.0.113.7', entries: 1 },
      { key_kind: 'resource', key_value: 'patient_1', entries: 1 },
      { key_kind: 'resource', key_value: 'patient_2', entries: 1 },
    ]);
  });
});

describe('migration 0006 on a log that already holds rows', () => {
  it('should enter the rows stored before it, so an investigation finds them', async () => {
    const clickhouse = await openTestClickHouse();
    const before = mkdtempSync(join(tmpdir(), 'migrations-0005-'));
    try {
      for (const file of readdirSync(defaultMigrationsDir()).filter((name) => name < '0006')) copyFileSync(join(defaultMigrationsDir(), file), join(before, file));
      const database = uniqueName('audit_backfill');
      const options = { database, retentionDays: 2192, topology: 'single' as const };
      await runMigrations(clickhouse.handle.client, { ...options, directory: before });
      const event = makeAuditEvent({ organizationId: 'org_backfill', occurredAt: '2026-03-10T00:00:00.000Z', actor: { id: 'erin', email: 'erin@x.com' } });
      await new AuditEventsWriteRepository(clickhouse.handle.client, database).insert(rows([event], 0), { deduplicationToken: uniqueName('backfill') });

      await runMigrations(clickhouse.handle.client, options);

      const page = await new AuditEventsReadRepository(clickhouse.handle.client, database).findPage('all', { from: FROM, to: TO, actor: 'erin@x.com' }, { limit: 10 });
      expect(page.rows.map((row) => row.event_id)).toEqual([event.id]);
    } finally {
      rmSync(before, { recursive: true, force: true });
      await clickhouse.close();
    }
  });
});
