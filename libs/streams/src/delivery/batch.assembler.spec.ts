import { makeAuditEvent } from '@audit/contract';
import type { StoredEvent } from '../projection/stored-record.decoder';
import { assembleBatch } from './batch.assembler';
import type { DeliveryItem } from './delivery-item';

const stored = (organizationId: string, seq: number): StoredEvent => ({ organizationId, seq, hash: `h${seq}`, prevHash: `h${seq - 1}`, event: makeAuditEvent({ organizationId }) });

function item(partition: number, offset: number, organizationId: string, firstSeq: number, lastSeq: number, kept: number[] = []): DeliveryItem {
  return {
    source: { partition, offset: String(offset) },
    organizationId,
    coverage: { firstSeq, lastSeq },
    events: kept.map((seq) => stored(organizationId, seq)),
    bytes: kept.length * 100,
    storedAt: 1000 + offset,
    readAt: 2000 + offset,
  };
}

const limits = { maxItems: 100, maxBytes: 1_000_000 };

describe('assembleBatch', () => {
  it('should take whole records, merge touching ranges per organization, and commit past the last record of each partition', () => {
    const batch = assembleBatch([item(0, 10, 'org_a', 1, 3, [1, 2, 3]), item(1, 5, 'org_b', 7, 8, [8]), item(0, 11, 'org_a', 4, 6, [5])], limits);
    expect(batch.ranges).toEqual([
      { organizationId: 'org_a', firstSeq: 1, lastSeq: 6 },
      { organizationId: 'org_b', firstSeq: 7, lastSeq: 8 },
    ]);
    expect(batch.events.map((event) => [event.organizationId, event.seq])).toEqual([
      ['org_a', 1],
      ['org_a', 2],
      ['org_a', 3],
      ['org_b', 8],
      ['org_a', 5],
    ]);
    expect(Object.fromEntries(batch.commits)).toEqual({ 0: { offset: '12' }, 1: { offset: '6' } });
    expect(batch.taken).toBe(3);
    expect(batch.remainder).toBeUndefined();
  });

  it('should cut a record that does not fit after its last event that does, and commit inside it at that sequence', () => {
    const batch = assembleBatch([item(0, 10, 'org_a', 1, 2, [1, 2]), item(0, 11, 'org_a', 3, 9, [3, 5, 7, 9])], { maxItems: 5, maxBytes: 1_000_000 });
    expect(batch.events.map((event) => event.seq)).toEqual([1, 2, 3, 5]);
    expect(batch.ranges).toEqual([{ organizationId: 'org_a', firstSeq: 1, lastSeq: 5 }]);
    expect(batch.commits.get(0)).toEqual({ offset: '11', seq: 5 });
    expect(batch.taken).toBe(1);
    expect(batch.remainder).toMatchObject({ coverage: { firstSeq: 6, lastSeq: 9 }, source: { offset: '11' } });
    expect(batch.remainder?.events.map((event) => event.seq)).toEqual([7, 9]);
  });

  it('should always take one event, even one larger than the byte limit', () => {
    const big = { ...item(0, 10, 'org_a', 1, 2, [1, 2]), bytes: 10_000 };
    const batch = assembleBatch([big], { maxItems: 100, maxBytes: 1_000 });
    expect(batch.events.map((event) => event.seq)).toEqual([1]);
    expect(batch.remainder?.events.map((event) => event.seq)).toEqual([2]);
  });

  it('should cover a stretch the filter left out without events, and note when it was read', () => {
    const batch = assembleBatch([item(0, 10, 'org_a', 1, 40), item(0, 11, 'org_a', 41, 50)], limits);
    expect(batch.events).toEqual([]);
    expect(batch.ranges).toEqual([{ organizationId: 'org_a', firstSeq: 1, lastSeq: 50 }]);
    expect(batch.oldestCoverageReadAt).toBe(2010);
    expect(batch.commits.get(0)).toEqual({ offset: '12' });
  });

  it('should pass records of nothing (another organization, copies) by their position alone', () => {
    const skipped: DeliveryItem = { source: { partition: 2, offset: '41' }, organizationId: 'org_x', events: [], bytes: 0, storedAt: 0, readAt: 0 };
    const batch = assembleBatch([skipped], limits);
    expect(batch).toMatchObject({ ranges: [], events: [], checkpoints: [], taken: 1 });
    expect(batch.commits.get(2)).toEqual({ offset: '42' });
  });

  it('should keep a backfill read out of the commits', () => {
    const backfilled = { ...item(0, 0, 'org_a', 1, 2, [1, 2]), source: undefined };
    expect(assembleBatch([backfilled], limits).commits.size).toBe(0);
  });
});
