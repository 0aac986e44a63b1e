import { createHash } from 'node:crypto';
import { chainedColumns } from '../testing';
import { appendLink, canonicalEventJson, GENESIS, GENESIS_HASH, linkHash, type ChainedColumns } from './event-chain';

const columns = chainedColumns(9, {
  organization_id: 'org_1',
  event_id: '0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B',
  occurred_at: '2026-11-25 10:00:00.123',
  actor_name: 'Ada',
  action: 'member.invite',
  request_id: 'req_1',
  changes: '[{"field":"role","before":"member","after":"admin"}]',
  metadata: '{"plan":"enterprise","ünïcode":"✓"}',
});

describe('event chain', () => {
  it('should put the sequence number second and lowercase the id, whatever the input object order', () => {
    const shuffled = Object.fromEntries(Object.entries(columns).reverse()) as unknown as ChainedColumns;
    const json = canonicalEventJson(shuffled, 7);
    expect(json).toBe(canonicalEventJson(columns, 7));
    expect(Object.keys(JSON.parse(json)).slice(0, 3)).toEqual(['organization_id', 'chain_seq', 'event_id']);
    expect(JSON.parse(json).event_id).toBe('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b');
  });

  it('should hash the previous hash bytes followed by the canonical UTF-8 bytes', () => {
    const json = canonicalEventJson(columns, 1);
    const expected = createHash('sha256').update(Buffer.alloc(32)).update(Buffer.from(json, 'utf8')).digest('hex');
    expect(linkHash(GENESIS_HASH, json)).toBe(expected);
  });

  it('should give the canonical JSON these exact bytes, with and without an expiry (stored links verify against them)', () => {
    const event = '"organization_id":"org_1","chain_seq":7,"event_id":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","occurred_at":"2026-11-25 10:00:00.123",' +
      '"actor_id":"user_1","actor_type":"user","actor_name":"Ada","actor_email":"ada@example.com","actor_ip":"","actor_user_agent":"",' +
      '"action":"member.invite","resource_type":"Member","resource_id":"member_9","resource_name":"","status":"success","reason":"",' +
      '"request_id":"req_1","session_id":"","changes":"[{\\"field\\":\\"role\\",\\"before\\":\\"member\\",\\"after\\":\\"admin\\"}]",' +
      '"metadata":"{\\"plan\\":\\"enterprise\\",\\"ünïcode\\":\\"✓\\"}","schema_version":1';

    expect(canonicalEventJson(columns, 7)).toBe(`{${event}}`);
    expect(canonicalEventJson({ ...columns, expires_at: null }, 7)).toBe(`{${event}}`);
    expect(canonicalEventJson({ ...columns, expires_at: '2032-01-01 00:00:00.000' }, 7)).toBe(`{${event},"expires_at":"2032-01-01 00:00:00.000"}`);
  });

  it('should hash any link exactly as SHA-256 over the decoded previous hash and the UTF-8 JSON: long, short, multi-byte, malformed previous hash', () => {
    const reference = (prevHash: string, json: string) => createHash('sha256').update(Buffer.from(prevHash, 'hex')).update(json, 'utf8').digest('hex');
    const long = canonicalEventJson({ ...columns, changes: `"${'é✓𝄞'.repeat(5000)}"` }, 3);
    const cases: Array<[string, string]> = [
      [GENESIS_HASH, long],
      ['ab'.repeat(32), canonicalEventJson(columns, 4)],
      ['', '{}'],
      ['abc', canonicalEventJson(columns, 5)],
      [`${'cd'.repeat(20)}zz${'ef'.repeat(11)}`, canonicalEventJson(columns, 6)],
      ['12'.repeat(40), long.slice(0, 100)],
    ];
    for (const [prevHash, json] of cases) expect({ prevHash, hash: linkHash(prevHash, json) }).toEqual({ prevHash, hash: reference(prevHash, json) });
  });

  it('should start at sequence 1 after the genesis head and link each hash to the one before', () => {
    const first = appendLink(GENESIS, columns);
    const second = appendLink(first.head, { ...columns, event_id: 'another' });
    expect([first.head.seq, second.head.seq]).toEqual([1, 2]);
    expect(second.prevHash).toBe(first.head.hash);
    expect(second.head.hash).toBe(linkHash(first.head.hash, second.canonicalJson));
  });

  it('should change the hash when any column, the sequence or the previous hash changes', () => {
    const base = appendLink(GENESIS, columns).head.hash;
    for (const key of Object.keys(columns) as Array<keyof ChainedColumns>) {
      const altered = { ...columns, [key]: key === 'schema_version' ? 2 : `${columns[key]}x` };
      expect({ key, hash: appendLink(GENESIS, altered).head.hash }).not.toEqual({ key, hash: base });
    }
    expect(appendLink({ seq: 1, hash: GENESIS_HASH }, columns).head.hash).not.toBe(base);
    expect(appendLink({ seq: 0, hash: 'f'.repeat(64) }, columns).head.hash).not.toBe(base);
  });
});

describe('a link’s expiry', () => {
  const recorded = Date.parse('2026-11-25T10:00:00.123Z');

  it('should put the expiry last in the canonical JSON, so the hash covers it, and carry it in the head', () => {
    const link = appendLink(GENESIS, columns, { countedFrom: recorded, retentionDays: 1 });

    expect(link.canonicalJson).toBe(`${canonicalEventJson(columns, 1).slice(0, -1)},"expires_at":"2026-11-26 10:00:00.123"}`);
    expect(link.head.expiresAt).toBe(recorded + 86_400_000);
    expect(canonicalEventJson({ ...columns, expires_at: '2026-11-26 10:00:00.123' }, 1)).toBe(link.canonicalJson);
    expect(appendLink(GENESIS, columns, { countedFrom: recorded, retentionDays: 2 }).head.hash).not.toBe(link.head.hash);
  });

  it('should keep a backfilled event (old occurredAt) until the links before it expire, not punch a hole in the chain', () => {
    const first = appendLink(GENESIS, columns, { countedFrom: recorded, retentionDays: 30 });
    // Recorded a day later, its event said to have occurred in 2020, and its organization now kept 1 day.
    const backfilled = appendLink(first.head, { ...columns, occurred_at: '2020-01-01 00:00:00.000' }, { countedFrom: recorded + 86_400_000, retentionDays: 1 });

    expect(backfilled.head.expiresAt).toBe(first.head.expiresAt);
  });

  it('should store a link without retention as links were before they carried an expiry', () => {
    const link = appendLink({ seq: 4, hash: GENESIS_HASH, expiresAt: recorded }, columns);

    expect(link.canonicalJson).toBe(canonicalEventJson(columns, 5));
    expect(link.head.expiresAt).toBe(recorded);
  });
});
