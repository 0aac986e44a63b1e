import { filterFingerprint, PageCursorCodec, type PageCursor } from './page-cursor.codec';

const cursor: PageCursor = {
  direction: 'older',
  key: { occurredAt: '2026-11-01T10:00:00.000Z', eventId: '0190a8f4-3b1c-7cde-8f00-000000000001', organizationId: 'org_1', contentDigest: 'ab'.repeat(32) },
  from: '2026-10-02T10:00:00.000Z',
  to: '2026-11-01T11:00:00.000Z',
  filters: filterFingerprint({ scope: 'org_1', status: 'failure' }),
};

describe('PageCursorCodec', () => {
  const codec = new PageCursorCodec('a-secret-that-is-at-least-32-characters');

  it('should decode what it encoded for the same filters', () => {
    expect(codec.decode(codec.encode(cursor), cursor.filters)).toEqual(cursor);
  });

  it('should refuse a cursor made for other filters', () => {
    const other = filterFingerprint({ scope: 'org_1', status: 'success' });
    expect(() => codec.decode(codec.encode(cursor), other)).toThrow(expect.objectContaining({ body: expect.objectContaining({ code: 'invalid_cursor' }) }));
  });

  it('should refuse a cursor signed with another secret', () => {
    const foreign = new PageCursorCodec('another-secret-that-is-32-characters!!').encode(cursor);
    expect(() => codec.decode(foreign, cursor.filters)).toThrow(/not one this server issued/);
  });

  it('should refuse a cursor whose position was edited', () => {
    const [payload, signature] = codec.encode(cursor).split('.');
    const edited = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    edited.t = '2030-01-01T00:00:00.000Z';
    expect(() => codec.decode(`${Buffer.from(JSON.stringify(edited)).toString('base64url')}.${signature}`, cursor.filters)).toThrow(/not one this server issued/);
  });

  it.each(['', 'abc', 'a.b.c', '.sig'])('should refuse the malformed cursor %j', (token) => {
    expect(() => codec.decode(token, cursor.filters)).toThrow();
  });
});

describe('filterFingerprint', () => {
  it('should not depend on the order of repeated values', () => {
    expect(filterFingerprint({ resourceType: ['Member', 'Session'] })).toBe(filterFingerprint({ resourceType: ['Session', 'Member'] }));
  });

  it('should tell an absent filter from another value', () => {
    expect(filterFingerprint({ actor: undefined })).not.toBe(filterFingerprint({ actor: 'null' }));
  });
});
