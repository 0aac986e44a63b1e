import { AuditEventsTailRepository, AuditEventsWriteRepository, toAuditEventRow, type AuditEventRow } from '@audit/clickhouse';
import { makeAuditEvent, type AuditEvent } from '@audit/contract';
import { openTestClickHouse, uniqueName, type TestClickHouse } from '@audit/testing';

const TOPIC = 'audit.events.tail-order';
const EPOCH = '1970-01-01 00:00:00.000';

// The tail's guarantees at the storage level, on the real engine: what is read is bounded by the
// chain heads the ingester records after a block's rows, a replayed row is read once, and a
// re-sent copy is flagged where it was not first stored.
describe('the audit log in order of arrival (AuditEventsTailRepository on chDB)', () => {
  let clickhouse: TestClickHouse;
  let writer: AuditEventsWriteRepository;
  let tail: AuditEventsTailRepository;
  const organizationId = uniqueName('org_tail_order');
  const events: AuditEvent[] = Array.from({ length: 10 }, (_, i) =>
    makeAuditEvent({ organizationId, occurredAt: new Date(Date.now() - (i % 2 === 0 ? 5 * 86_400_000 : 0) - i * 1000).toISOString() }),
  );

  /** Rows as the ingester stores them: partition 0, offsets from `first`, chain sequence from `firstSeq`. */
  const rows = (list: AuditEvent[], first: number, firstSeq: number): AuditEventRow[] =>
    list.map((event, i) => ({ ...toAuditEventRow(event, { topic: TOPIC, partition: 0, offset: String(first + i) }), chain_seq: firstSeq + i, chain_prev_hash: '', chain_hash: 'x' }));

  const head = (lastOffset: number, seq: number) => ({
    organization_id: organizationId,
    chain_seq: seq,
    chain_hash: 'x',
    prev_seq: 0,
    prev_hash: '',
    expires_at: EPOCH,
    prev_expires_at: EPOCH,
    kafka_topic: TOPIC,
    kafka_partition: 0,
    first_offset: '0',
    last_offset: String(lastOffset),
  });

  beforeAll(async () => {
    clickhouse = await openTestClickHouse();
    writer = new AuditEventsWriteRepository(clickhouse.handle.client, clickhouse.database, clickhouse.handle.chdb);
    tail = new AuditEventsTailRepository(clickhouse.handle.client, clickhouse.database, TOPIC);
    // Ten rows stored in one insert (half of them late: another monthly part), heads recorded for the first five only.
    await writer.insert(rows(events, 0, 1), { deduplicationToken: uniqueName('block') });
    await writer.insertChainHeads([head(4, 5)], { deduplicationToken: uniqueName('heads') });
  });

  afterAll(async () => {
    await clickhouse?.close();
  });

  const offsets = async (to: Map<number, number>, scope: { organizationId: string } | 'all' = 'all') =>
    ((await tail.read(scope, {}, new Map(), to, 100)).get(0)?.rows ?? []).map((row) => `${row.kafka_offset}${row.copy ? ' copy' : ''}`);

  it('should know as stored only the offsets of blocks whose chain heads are recorded', async () => {
    const horizon = await tail.horizon();
    expect(horizon).toEqual(new Map([[0, 5]]));
    expect(await offsets(horizon)).toEqual(['0', '1', '2', '3', '4']);
  });

  it('should read a replayed row once and flag a re-sent copy after its first stored place', async () => {
    // The first block replayed (not merged yet), then the first event re-sent by its producer at offset 10.
    await writer.insert(rows(events.slice(0, 5), 0, 1), { deduplicationToken: uniqueName('replay') });
    await writer.insert(rows([events[0]], 10, 11), { deduplicationToken: uniqueName('resent') });
    await writer.insertChainHeads([head(10, 11)], { deduplicationToken: uniqueName('heads') });

    const horizon = await tail.horizon();
    expect(horizon).toEqual(new Map([[0, 11]]));
    expect(await offsets(horizon, { organizationId })).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10 copy']);
    expect(await offsets(horizon, { organizationId: uniqueName('org_other') })).toEqual([]);
  });

  it('should stop each partition after perPartition rows and say it was truncated', async () => {
    // Offsets 2 and 3 are stored twice (the replay above): the limit counts both copies, the rows come once.
    const read = await tail.read('all', {}, new Map([[0, 2]]), new Map([[0, 11]]), 3);
    expect({ offsets: read.get(0)?.rows.map((row) => row.kafka_offset), truncated: read.get(0)?.truncated }).toEqual({ offsets: [2, 3], truncated: true });
    const later = await tail.read('all', {}, new Map([[0, 5]]), new Map([[0, 11]]), 3);
    expect({ offsets: later.get(0)?.rows.map((row) => row.kafka_offset), truncated: later.get(0)?.truncated }).toEqual({ offsets: [5, 6, 7], truncated: true });
  });

  it('should start a tail since an instant at the first row stored from then on', async () => {
    const horizon = await tail.horizon();
    expect(await tail.positionAt('all', new Date(Date.now() + 60_000).toISOString(), horizon)).toEqual(horizon);
    expect(await tail.positionAt('all', new Date(Date.now() - 3_600_000).toISOString(), horizon)).toEqual(new Map([[0, 0]]));
  });
});
