/** A send the destination did not acknowledge; the batch is retried (nothing is ever skipped). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly details: {
      /** The destination's HTTP status, when it answered. */
      statusCode?: number;
      /** What the destination asked for (`Retry-After`), in ms. */
      retryAfterMs?: number;
      /** The batch is too large for it (HTTP 413): the sender halves it. */
      tooLarge?: boolean;
    } = {},
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** `Retry-After` as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
