import type { DeliveryBatch } from '../format/delivery-batch';

/** How much one send may carry (events plus checkpoint and coverage items; bytes roughly, as stored). */
export interface DestinationLimits {
  maxItems: number;
  maxBytes: number;
}

/** Where a stream sends its batches. `send` resolves once the destination acknowledged; throws a DeliveryError otherwise. */
export interface Destination {
  readonly limits: DestinationLimits;
  /** It sends each event's `formatted` JSON as it is when the event has it (so the reader has formatters make it). */
  readonly splicesFormatted?: boolean;
  send(batch: DeliveryBatch): Promise<void>;
  close(): Promise<void>;
}
