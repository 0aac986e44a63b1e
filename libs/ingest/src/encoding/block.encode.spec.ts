import { LIMITS, makeAuditEvent, serializeAuditEvent } from '@audit/contract';
import { DAY_MS, GENESIS, type ChainState } from '@audit/integrity';
import { MessageChannel } from 'node:worker_threads';
import { chainKeys, encodeBlock, packValues, type EncodeRequest } from './block.encode';

function request(values: Array<Buffer | null>, keys: Array<string | null>, before?: Map<string, ChainState>, now = Date.now()): EncodeRequest {
  const retentionDays = new Map([...(before?.keys() ?? [])].map((organization) => [organization, 30]));
  return { topic: 't', partition: 2, ...packValues(values), keys, offsets: values.map((_, index) => String(10 + index)), now, before, retentionDays };
}

const expiryOf = (line: string) => (JSON.parse(line) as { expires_at?: string }).expires_at;

describe('block encoding', () => {
  const events = [makeAuditEvent({ organizationId: 'org_a' }), makeAuditEvent({ organizationId: 'org_b' }), makeAuditEvent({ organizationId: 'org_a' })];
  const values = events.map((event) => Buffer.from(serializeAuditEvent(event)));

  it('should pack a small block, and encode its body, into memory of its own, which can move between threads', () => {
    // Small Buffers share Node's allocation pool, which Node refuses to transfer (a one-event block failed every attempt).
    const { values: packed } = packValues([values[0]]);
    const { body } = encodeBlock(request([values[0]], ['org_a']));
    const { port1, port2 } = new MessageChannel();
    try {
      expect(() => port1.postMessage(packed, [packed.buffer as ArrayBuffer])).not.toThrow();
      expect(() => port1.postMessage(body, [body.buffer as ArrayBuffer])).not.toThrow();
    } finally {
      port1.close();
      port2.close();
    }
  });

  it('should read each message back from the packed values, a null value as an empty one', () => {
    const encoded = encodeBlock(request([values[0], null, Buffer.alloc(0), values[1]], ['org_a', null, null, 'org_b']));
    expect(encoded.rows).toEqual([0, 3]);
    expect(encoded.letters.map(({ index, reason }) => [index, reason])).toEqual([
      [1, 'empty'],
      [2, 'empty'],
    ]);
    const lines = Buffer.from(encoded.body).toString().trim().split('\n').map((line) => JSON.parse(line) as { event_id: string; kafka_offset: number });
    expect(lines.map((line) => [line.event_id, line.kafka_offset])).toEqual([
      [events[0].id, 10],
      [events[1].id, 13],
    ]);
  });

  it('should chain each organization on from its own head and refuse a row whose key is not its organization', () => {
    const before = new Map([...chainKeys(['org_a', 'org_b', 'org_c'])].map((organization) => [organization, GENESIS]));
    const encoded = encodeBlock(request(values, ['org_a', 'org_b', 'org_c'], before));
    expect(encoded.rows).toEqual([0, 1]);
    expect(encoded.letters.map(({ index, reason }) => [index, reason])).toEqual([[2, 'wrong_key']]);
    expect(encoded.after.get('org_a')?.seq).toBe(1);
    expect(encoded.after.get('org_b')?.seq).toBe(1);
    expect(encoded.after.get('org_c')).toEqual(GENESIS);
  });

  it('should give each link its expiry: retention from the block clock, or from occurredAt when ahead of it, never before the link before', () => {
    const clock = Date.parse('2026-06-01T12:00:00.000Z');
    const ahead = makeAuditEvent({ organizationId: 'org_a', occurredAt: new Date(clock + 30 * 60_000).toISOString() });
    const recent = makeAuditEvent({ organizationId: 'org_a', occurredAt: new Date(clock - 60_000).toISOString() });
    const backfilled = makeAuditEvent({ organizationId: 'org_a', occurredAt: '2020-01-01T00:00:00.000Z' });
    const before = new Map([['org_a', { ...GENESIS, seq: 7, expiresAt: clock + 31 * DAY_MS }]]);
    const blockValues = [recent, ahead, backfilled].map((event) => Buffer.from(serializeAuditEvent(event)));

    const encoded = encodeBlock(request(blockValues, ['org_a', 'org_a', 'org_a'], before, clock));

    const lines = Buffer.from(encoded.body).toString().trim().split('\n');
    // The link before expires a day after this block's 30 days: the first link waits for it, then occurredAt (30 min ahead) counts, then the backfill keeps that.
    expect(lines.map(expiryOf)).toEqual(['2026-07-02 12:00:00.000', '2026-07-02 12:00:00.000', '2026-07-02 12:00:00.000']);
    const later = encodeBlock(request(blockValues, ['org_a', 'org_a', 'org_a'], new Map([['org_a', { ...GENESIS, seq: 7, expiresAt: 0 }]]), clock));
    expect(Buffer.from(later.body).toString().trim().split('\n').map(expiryOf)).toEqual(['2026-07-01 12:00:00.000', '2026-07-01 12:30:00.000', '2026-07-01 12:30:00.000']);
    expect(later.after.get('org_a')?.expiresAt).toBe(clock + 30 * DAY_MS + 30 * 60_000);
  });

  it('should store rows many times longer than their messages whole (quotes escaped twice), after rows that fit the first guess', () => {
    const quoted = makeAuditEvent({ organizationId: 'org_a', changes: [{ field: 'note', before: '"'.repeat(4000), after: '\\'.repeat(4000) }] });
    const blockValues = [values[0], Buffer.from(serializeAuditEvent(quoted)), values[2]];
    const before = new Map([['org_a', GENESIS]]);

    const encoded = encodeBlock(request(blockValues, ['org_a', 'org_a', 'org_a'], before));

    const lines = Buffer.from(encoded.body).toString().split('\n');
    expect(lines.at(-1)).toBe('');
    const stored = lines.slice(0, -1).map((line) => JSON.parse(line) as { event_id: string; changes: string; chain_seq: number });
    expect(stored.map((row) => [row.event_id, row.chain_seq])).toEqual([[events[0].id, 1], [quoted.id, 2], [events[2].id, 3]]);
    expect(JSON.parse(stored[1].changes)).toEqual(quoted.changes);
  });

  it('should encode the same request to the same bytes: a replay at the recorded clock chains identically', () => {
    const before = new Map([['org_a', GENESIS], ['org_b', GENESIS]]);
    const clock = Date.now() - 60_000;

    expect(encodeBlock(request(values, ['org_a', 'org_b', 'org_a'], before, clock)).body).toEqual(encodeBlock(request(values, ['org_a', 'org_b', 'org_a'], before, clock)).body);
  });

  it('should not take an empty or over-long key for an organization whose head to read', () => {
    expect([...chainKeys(['org_a', null, '', 'x'.repeat(LIMITS.organizationIdLength + 1), 'org_a'])]).toEqual(['org_a']);
  });
});
