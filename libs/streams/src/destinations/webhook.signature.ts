import { createHmac, timingSafeEqual } from 'node:crypto';

/** The headers of a webhook batch. */
export const WEBHOOK_HEADERS = {
  signature: 'x-audit-signature',
  timestamp: 'x-audit-timestamp',
  streamId: 'x-audit-stream-id',
  batchSeq: 'x-audit-batch-seq',
} as const;

/**
 * `v1=` + hex HMAC-SHA256, keyed with the stream's secret, over `<timestamp>.<body>` (timestamp:
 * Unix seconds, as sent in `X-Audit-Timestamp`; body: the exact bytes received).
 */
export function webhookSignature(secret: string, timestamp: string, body: Buffer | string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/** What a receiver checks: the signature matches and the timestamp is within `toleranceSeconds` of now. */
export function verifyWebhookSignature(secret: string, timestamp: string, body: Buffer | string, signature: string, toleranceSeconds = 300, now = Date.now()): boolean {
  const expected = Buffer.from(webhookSignature(secret, timestamp, body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) && Math.abs(now / 1000 - Number(timestamp)) <= toleranceSeconds;
}
