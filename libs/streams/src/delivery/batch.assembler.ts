import type { SignedChainCheckpoint } from '@audit/integrity';
import type { DestinationLimits } from '../destinations/destination';
import type { CoveredRange } from '../format/delivery-batch';
import type { StoredEvent } from '../projection/stored-record.decoder';
import { isDeliverable, type DeliveryItem } from './delivery-item';

/** A position to commit on the projection topic once a batch is acknowledged. */
export interface CommitPoint {
  /** The offset to resume from: the record after the last one taken whole, or the record cut short. */
  offset: string;
  /** For a record cut short: the highest sequence of it already covered (the commit's metadata). */
  seq?: number;
}

export interface AssembledBatch {
  ranges: CoveredRange[];
  events: StoredEvent[];
  checkpoints: SignedChainCheckpoint[];
  /** Per partition, what to commit after the destination acknowledged. */
  commits: Map<number, CommitPoint>;
  /** Items taken whole from the head of the queue. */
  taken: number;
  /** The rest of the item cut short (it replaces that item at the head of the queue). */
  remainder?: DeliveryItem;
  /** Read time of the oldest item with coverage only (no events), to hold such a batch back a while. */
  oldestCoverageReadAt?: number;
  /** Broker time of the records taken, for delivery latency. */
  storedAt: number[];
}

/** Adds `firstSeq..lastSeq` of an organization to the ranges, extending its last range when they touch. */
function cover(ranges: CoveredRange[], organizationId: string, firstSeq: number, lastSeq: number): void {
  for (let index = ranges.length - 1; index >= 0; index--) {
    const range = ranges[index];
    if (range.organizationId !== organizationId) continue;
    if (range.lastSeq + 1 === firstSeq) {
      range.lastSeq = lastSeq;
      return;
    }
    break;
  }
  ranges.push({ organizationId, firstSeq, lastSeq });
}

/**
 * Takes items from the head of a stream's queue into one batch within the destination's limits
 * (events, checkpoints and one entry per covered range count as items; bytes as stored). An item
 * with more events than fit is cut after the last event that fits: the batch covers its chain up
 * to that event, and the commit for its partition stays on that record with the sequence reached,
 * so a restart resumes inside the record without a gap or a copy. At least one event always goes.
 */
export function assembleBatch(items: readonly DeliveryItem[], limits: DestinationLimits): AssembledBatch {
  const batch: AssembledBatch = { ranges: [], events: [], checkpoints: [], commits: new Map(), taken: 0, storedAt: [] };
  let used = 0;
  let bytes = 0;
  for (const item of items) {
    const rangeCost = item.coverage && !batch.ranges.some((range) => range.organizationId === item.organizationId) ? 1 : 0;
    if (item.checkpoint) {
      if (used > 0 && used + 1 > limits.maxItems) break;
      batch.checkpoints.push(item.checkpoint);
      used += 1;
    } else if (item.events.length > 0) {
      const perEvent = item.bytes / item.events.length;
      let fit = 0;
      const empty = batch.events.length === 0 && batch.checkpoints.length === 0;
      while (fit < item.events.length && ((empty && fit === 0) || (used + rangeCost + fit + 1 <= limits.maxItems && bytes + (fit + 1) * perEvent <= limits.maxBytes))) fit++;
      if (fit === 0) break;
      if (fit < item.events.length) {
        const cut = item.events[fit - 1].seq;
        batch.events.push(...item.events.slice(0, fit));
        cover(batch.ranges, item.organizationId, (item.coverage as { firstSeq: number }).firstSeq, cut);
        if (item.source) batch.commits.set(item.source.partition, { offset: item.source.offset, seq: cut });
        batch.storedAt.push(item.storedAt);
        batch.remainder = {
          ...item,
          coverage: { firstSeq: cut + 1, lastSeq: (item.coverage as { lastSeq: number }).lastSeq },
          events: item.events.slice(fit),
          bytes: item.bytes - fit * perEvent,
        };
        return batch;
      }
      batch.events.push(...item.events);
      used += rangeCost + fit;
      bytes += item.bytes;
    } else if (item.coverage) {
      if (used > 0 && used + rangeCost > limits.maxItems) break;
      used += rangeCost;
      batch.oldestCoverageReadAt ??= item.readAt;
    }
    if (item.coverage) cover(batch.ranges, item.organizationId, item.coverage.firstSeq, item.coverage.lastSeq);
    if (item.source) batch.commits.set(item.source.partition, { offset: (BigInt(item.source.offset) + 1n).toString() });
    if (isDeliverable(item)) batch.storedAt.push(item.storedAt);
    batch.taken += 1;
  }
  return batch;
}
