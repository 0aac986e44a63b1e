import { createHmac, timingSafeEqual } from 'node:crypto';
import { HttpReceiver, type ReceivedRequest, type Reply } from './http.receiver';

/**
 * A webhook endpoint as a tenant writes one: checks the signature the way the docs tell
 * (HMAC-SHA256 of `<X-Audit-Timestamp>.<body>` with the stream's secret, `v1=<hex>` in
 * `X-Audit-Signature`, timestamp within 5 minutes), refuses a bad one with 401, then takes the
 * batch's ranges, events and checkpoints. The signature check is written here independently of the
 * sender's code, so it tests the documented contract.
 */
export class WebhookReceiver extends HttpReceiver {
  readonly batches: Array<{ streamId: string; batchSeq: number; events: number }> = [];
  badSignatures = 0;

  constructor(public secret = '') {
    super();
  }

  protected handle({ headers, body }: ReceivedRequest): Reply {
    const timestamp = String(headers['x-audit-timestamp'] ?? '');
    const expected = `v1=${createHmac('sha256', this.secret).update(`${timestamp}.`).update(body).digest('hex')}`;
    const given = String(headers['x-audit-signature'] ?? '');
    const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) <= 300;
    if (!fresh || given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
      this.badSignatures += 1;
      return { status: 401, body: '{"error":"bad signature"}' };
    }
    const batch = JSON.parse(body.toString()) as {
      streamId: string;
      batchSeq: number;
      ranges: Array<{ organizationId: string; firstSeq: number; lastSeq: number }>;
      events: Array<Record<string, unknown>>;
      checkpoints: Array<Record<string, unknown>>;
    };
    if (batch.streamId !== headers['x-audit-stream-id'] || String(batch.batchSeq) !== headers['x-audit-batch-seq']) throw new Error('headers and body disagree');
    const now = Date.now();
    for (const range of batch.ranges) this.ledger.range(range.organizationId, range.firstSeq, range.lastSeq);
    for (const event of batch.events) this.ledger.item(event, now);
    for (const checkpoint of batch.checkpoints) this.ledger.item({ kind: 'checkpoint', organizationId: checkpoint.organizationId, checkpoint });
    this.batches.push({ streamId: batch.streamId, batchSeq: batch.batchSeq, events: batch.events.length });
    return { status: 200, body: '{"ok":true}' };
  }
}
