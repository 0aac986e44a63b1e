import type { CheckpointItem, CoverageItem, DeliveryBatch, V1EventItem } from './delivery-batch';
import { eventsPerOrganization, formatEvent } from './event.formats';
import type { OcsfApiActivity } from './ocsf.format';

export type BatchItem = V1EventItem | OcsfApiActivity | CheckpointItem | CoverageItem;

/** An item's time for destinations that index by time: the event's, the checkpoint's signature, else now. */
export function itemTime(item: BatchItem, now = Date.now()): number {
  if ('class_uid' in item) return item.time as number;
  if (item.kind === 'event') return Date.parse(item.event.occurredAt);
  if (item.kind === 'checkpoint') return Date.parse(item.checkpoint.signedAt);
  return now;
}

/**
 * A batch as a flat list for destinations without a batch envelope (Splunk, Datadog, syslog): the
 * events in the stream's format, then each checkpoint, then one coverage item per range, so a
 * receiver there can prove it has no gap as a webhook receiver does with `ranges`.
 */
export function batchItems(batch: DeliveryBatch): BatchItem[] {
  const counts = eventsPerOrganization(batch);
  return [
    ...batch.events.map((stored) => formatEvent(batch.format, stored)),
    ...batch.checkpoints.map((checkpoint): CheckpointItem => ({ kind: 'checkpoint', organizationId: checkpoint.organizationId, checkpoint })),
    ...batch.ranges.map((range): CoverageItem => ({ kind: 'coverage', ...range, events: counts.get(range.organizationId) ?? 0 })),
  ];
}

/** `event` / `ocsf` / `checkpoint` / `coverage`: what an item is, for source types, tags and message ids. */
export function itemKind(item: BatchItem): 'event' | 'ocsf' | 'checkpoint' | 'coverage' {
  return 'class_uid' in item ? 'ocsf' : item.kind;
}
