import { createHmac, timingSafeEqual } from 'node:crypto';
import { invalidCursor } from '../http/api-errors';

/**
 * Opaque, tamper-checked cursors: base64url JSON plus an HMAC-SHA256 over it. The server signs; a
 * client can neither forge a position nor move a cursor to other filters (400 `invalid_cursor`).
 * Each kind of cursor signs with a key of its own (`purpose`), derived from the configured secret,
 * so a signature never doubles as a token's or another kind of cursor's.
 */
export class CursorSigner {
  private readonly key: Buffer;

  constructor(secret: string, purpose: string) {
    this.key = createHmac('sha256', secret).update(purpose).digest();
  }

  seal(wire: object): string {
    const payload = Buffer.from(JSON.stringify(wire)).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** The sealed object; throws `invalid_cursor` (400) for a forged, damaged or foreign cursor. */
  open(token: string): unknown {
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined) throw invalidCursor('cursor is malformed');
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidCursor('cursor is not one this server issued');
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
