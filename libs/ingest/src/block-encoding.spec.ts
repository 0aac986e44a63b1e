import { LIMITS, makeAuditEvent, serializeAuditEvent } from '@audit/contract';
import { GENESIS, type ChainHead } from '@audit/integrity';
import { MessageChannel } from 'node:worker_threads';
import { chainKeys, encodeBlock, packValues, type EncodeRequest } from './block-encoding';

function request(values: Array<Buffer | null>, keys: Array<string | null>, before?: Map<string, ChainHead>): EncodeRequest {
  return { topic: 't', partition: 2, ...packValues(values), keys, offsets: values.map((_, index) => String(10 + index)), now: Date.now(), before };
}

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

  it('should not take an empty or over-long key for an organization whose head to read', () => {
    expect([...chainKeys(['org_a', null, '', 'x'.repeat(LIMITS.organizationIdLength + 1), 'org_a'])]).toEqual(['org_a']);
  });
});
