import type { DeliveryBatch, V1EventItem } from './delivery-batch';
import { toOcsfApiActivity, type OcsfApiActivity } from './ocsf.format';
import type { StoredEvent } from '../projection/stored-record.decoder';
import type { StreamFormat } from '../definition/stream-definition';

/** The v1 event with its link: `{ kind: 'event', organizationId, seq, chainHash, prevHash, event }`. */
export function toV1EventItem(stored: StoredEvent): V1EventItem {
  return { kind: 'event', organizationId: stored.organizationId, seq: stored.seq, chainHash: stored.hash, prevHash: stored.prevHash, event: stored.event };
}

/** One delivered event in the stream's format. */
export function formatEvent(format: StreamFormat, stored: StoredEvent): V1EventItem | OcsfApiActivity {
  return format === 'ocsf' ? toOcsfApiActivity(stored) : toV1EventItem(stored);
}

/** Events per organization in a batch, for the coverage items of destinations without a batch envelope. */
export function eventsPerOrganization(batch: DeliveryBatch): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { organizationId } of batch.events) counts.set(organizationId, (counts.get(organizationId) ?? 0) + 1);
  return counts;
}
