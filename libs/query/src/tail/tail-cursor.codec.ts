import type { TailPosition } from '@audit/clickhouse';
import { CursorSigner } from '../audit-logs/cursor.signer';
import { invalidCursor } from '../http/api-errors';

interface Wire {
  v: 1;
  /** [partition, next offset] pairs, ascending by partition. */
  p: Array<[number, number]>;
  /** The filter fingerprint (scope included) the position was read for. */
  f: string;
}

const isOffset = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/**
 * Tail cursors: a position in the order of arrival (per Kafka partition, the next offset to read)
 * bound to the filters it was read with, signed like the list's cursors. Encoding is canonical
 * (partitions in ascending order), so an unchanged position gives the same cursor text: a poller
 * that gets back the cursor it sent knows it is caught up.
 */
export class TailCursorCodec {
  private readonly signer: CursorSigner;

  constructor(secret: string) {
    this.signer = new CursorSigner(secret, 'audit-log tail cursor v1');
  }

  encode(position: TailPosition, filters: string): string {
    const wire: Wire = { v: 1, p: [...position].sort(([a], [b]) => a - b), f: filters };
    return this.signer.seal(wire);
  }

  /** Throws `invalid_cursor` (400) for a forged, damaged or foreign cursor, or one made for other filters. */
  decode(token: string, filters: string): Map<number, number> {
    const wire = this.signer.open(token) as Partial<Wire>;
    if (wire.v !== 1 || !Array.isArray(wire.p)) throw invalidCursor('cursor is not a tail cursor; start again with since= or without a cursor');
    if (wire.f !== filters) throw invalidCursor('cursor was made for other filters; start again with since= or without a cursor');
    if (!wire.p.every((entry) => Array.isArray(entry) && isOffset(entry[0]) && isOffset(entry[1]))) throw invalidCursor('cursor is malformed');
    return new Map(wire.p);
  }
}
