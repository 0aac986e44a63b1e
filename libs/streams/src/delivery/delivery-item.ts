import type { SignedChainCheckpoint } from '@audit/integrity';
import type { StoredEvent } from '../projection/stored-record.decoder';

/** Where an item came from on the projection topic (absent for items read from ClickHouse by a backfill). */
export interface ItemSource {
  partition: number;
  offset: string;
}

/**
 * What one projection record (or one backfill read) gives a stream: the run of an organization's
 * chain it covers, the events of it the filter kept, or a checkpoint — or nothing but its position
 * (another organization's record, or copies), which still has to be committed in order.
 */
export interface DeliveryItem {
  source?: ItemSource;
  organizationId: string;
  /** Sequences passed: the kept events lie in `firstSeq..lastSeq`, the rest were filtered out. */
  coverage?: { firstSeq: number; lastSeq: number };
  events: StoredEvent[];
  checkpoint?: SignedChainCheckpoint;
  /** Rough size of the events as stored (bytes), for batch limits. */
  bytes: number;
  /** When the record was published (broker timestamp, ms): delivery latency is measured from it. */
  storedAt: number;
  /** When the stream read it (ms): how long a coverage-only stretch has waited. */
  readAt: number;
}

/** Whether an item has anything a destination must receive (events or a checkpoint). */
export const isDeliverable = (item: DeliveryItem) => item.events.length > 0 || item.checkpoint !== undefined;
