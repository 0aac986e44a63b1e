import type { EventKey } from '@audit/clickhouse';
import { createHash } from 'node:crypto';
import { invalidCursor } from '../http/api-errors';
import { CursorSigner } from './cursor.signer';

/** What a cursor remembers: where to resume, which way, and the query it belongs to. */
export interface PageCursor {
  direction: 'older' | 'newer';
  key: EventKey;
  /** The window resolved on page 1 (a default "last 30 days" must not slide between pages). */
  from: string;
  to: string;
  /** {@link filterFingerprint} of the filters the cursor was made for. */
  filters: string;
}

/**
 * Version 2 names the whole key (organization and content digest too, so a page can stop between
 * two events that share an id); a version-1 cursor, issued before, is refused like a foreign one.
 */
interface Wire {
  v: 2;
  d: 'o' | 'n';
  t: string;
  i: string;
  o: string;
  g: string;
  f: string;
  u: string;
  h: string;
}

/** A short digest of a canonical form of the filters (order of repeated values does not matter). */
export function filterFingerprint(filters: Record<string, string | string[] | undefined>): string {
  const canonical = Object.keys(filters)
    .sort()
    .map((name) => {
      const value = filters[name];
      return [name, Array.isArray(value) ? [...value].sort() : (value ?? null)];
    });
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url').slice(0, 22);
}

/** Page cursors of the list (see {@link CursorSigner}). */
export class PageCursorCodec {
  private readonly signer: CursorSigner;

  constructor(secret: string) {
    this.signer = new CursorSigner(secret, 'audit-log page cursor v1');
  }

  encode(cursor: PageCursor): string {
    const wire: Wire = {
      v: 2,
      d: cursor.direction === 'older' ? 'o' : 'n',
      t: cursor.key.occurredAt,
      i: cursor.key.eventId,
      o: cursor.key.organizationId,
      g: cursor.key.contentDigest,
      f: cursor.from,
      u: cursor.to,
      h: cursor.filters,
    };
    return this.signer.seal(wire);
  }

  /** Throws `invalid_cursor` (400) for a forged, damaged or foreign cursor. */
  decode(token: string, filters: string): PageCursor {
    const wire = this.signer.open(token) as Wire;
    if (wire.v !== 2) throw invalidCursor('cursor version is not supported; start again from the first page');
    if (wire.h !== filters) throw invalidCursor('cursor was made for other filters; start again from the first page');
    return {
      direction: wire.d === 'o' ? 'older' : 'newer',
      key: { occurredAt: wire.t, eventId: wire.i, organizationId: wire.o, contentDigest: wire.g },
      from: wire.f,
      to: wire.u,
      filters: wire.h,
    };
  }
}
