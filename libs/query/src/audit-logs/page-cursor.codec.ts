import type { EventKey } from '@audit/clickhouse';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { invalidCursor } from '../http/api-errors';

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

/**
 * Opaque, tamper-checked page cursors: base64url JSON plus an HMAC-SHA256 over it. The server
 * signs; a client can neither forge a position nor move a cursor to other filters (400).
 */
export class PageCursorCodec {
  private readonly key: Buffer;

  constructor(secret: string) {
    // A key of its own, derived from the configured secret, so a cursor signature never doubles as a token signature.
    this.key = createHmac('sha256', secret).update('audit-log page cursor v1').digest();
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
    const payload = Buffer.from(JSON.stringify(wire)).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** Throws `invalid_cursor` (400) for a forged, damaged or foreign cursor. */
  decode(token: string, filters: string): PageCursor {
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined) throw invalidCursor('cursor is malformed');
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidCursor('cursor is not one this server issued');
    const wire = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Wire;
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

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
