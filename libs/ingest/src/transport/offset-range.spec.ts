import { deduplicationToken, nextOffset, parsePendingMetadata, pendingMetadata } from './offset-range';

describe('offset ranges', () => {
  it('should derive the token from topic, partition and the first and last offsets', () => {
    expect(deduplicationToken('audit.events.v1', 2, { first: '100', last: '199' })).toBe('audit.events.v1:2:100-199');
  });

  it('should read back the pending range recorded at the committed offset, with the clock its block was validated at', () => {
    expect(parsePendingMetadata(pendingMetadata({ first: '100', last: '199', clock: 1_772_366_400_000 }), '100')).toEqual({ first: '100', last: '199', clock: 1_772_366_400_000 });
  });

  it('should replay a range recorded before blocks carried a clock, without one', () => {
    expect(parsePendingMetadata('audit-ingest/pending:100-199', '100')).toEqual({ first: '100', last: '199' });
  });

  it('should ignore a pending range that does not start at the committed offset', () => {
    expect(parsePendingMetadata(pendingMetadata({ first: '100', last: '199', clock: 1 }), '200')).toBeUndefined();
    expect(parsePendingMetadata('', '100')).toBeUndefined();
    expect(parsePendingMetadata(null, '100')).toBeUndefined();
    expect(parsePendingMetadata('audit-ingest/pending:100-50', '100')).toBeUndefined();
    expect(parsePendingMetadata('audit-ingest/pending:100-199;clock=soon', '100')).toBeUndefined();
  });

  it('should count offsets beyond 2^53 exactly', () => {
    expect(nextOffset('9007199254740993')).toBe('9007199254740994');
  });
});
