import type { SignedChainCheckpoint } from '@audit/integrity';
import type { StreamFormat } from '../definition/stream-definition';
import type { StoredEvent } from '../projection/stored-record.decoder';

/** A run of one organization's chain a batch covers: every sequence in it was passed, the filter kept those in `events`. */
export interface CoveredRange {
  organizationId: string;
  firstSeq: number;
  lastSeq: number;
}

/**
 * What one send delivers. `ranges` lets a receiver prove it has no gap even when the filter left
 * events out: per organization, consecutive batches cover consecutive ranges (overlaps are copies).
 */
export interface DeliveryBatch {
  streamId: string;
  /** Increases by one per batch of the stream; a batch retried or re-sent after a restart keeps or repeats a number. */
  batchSeq: number;
  format: StreamFormat;
  ranges: CoveredRange[];
  events: StoredEvent[];
  checkpoints: SignedChainCheckpoint[];
}

/** The JSON shapes of the v1 format, which every destination sends (events in OCSF when the stream asks for it). */
export interface V1EventItem {
  kind: 'event';
  organizationId: string;
  seq: number;
  chainHash: string;
  prevHash: string;
  event: StoredEvent['event'];
}

export interface CheckpointItem {
  kind: 'checkpoint';
  organizationId: string;
  checkpoint: SignedChainCheckpoint;
}

export interface CoverageItem extends CoveredRange {
  kind: 'coverage';
  /** Events of the range the batch carries (the rest were left out by the filter). */
  events: number;
}
