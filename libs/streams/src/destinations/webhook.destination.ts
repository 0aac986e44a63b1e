import { formatEvent } from '../format/event.formats';
import type { DeliveryBatch } from '../format/delivery-batch';
import type { WebhookDestination as WebhookSettings } from '../definition/stream-definition';
import type { Destination } from './destination';
import { acknowledged, type HttpTransport } from './http.transport';
import { WEBHOOK_HEADERS, webhookSignature } from './webhook.signature';

/**
 * HTTPS webhook: each batch is one `POST` of JSON
 * `{ streamId, batchSeq, format, ranges, events, checkpoints }`, signed with the stream's secret
 * (`X-Audit-Signature: v1=<hex HMAC-SHA256 of "<X-Audit-Timestamp>.<body>">`). Any 2xx acknowledges.
 */
export class WebhookDestination implements Destination {
  readonly limits = { maxItems: 500, maxBytes: 1024 * 1024 };
  readonly splicesFormatted = true;
  private readonly url: URL;

  constructor(
    settings: WebhookSettings,
    private readonly secret: string,
    private readonly transport: HttpTransport,
    private readonly now: () => number = Date.now,
  ) {
    this.url = new URL(settings.url);
  }

  async send(batch: DeliveryBatch): Promise<void> {
    const body = webhookBody(batch);
    const timestamp = String(Math.floor(this.now() / 1000));
    const answer = await this.transport.post(
      this.url,
      {
        'content-type': 'application/json',
        'user-agent': 'audit-pipeline-streams/1',
        [WEBHOOK_HEADERS.streamId]: batch.streamId,
        [WEBHOOK_HEADERS.batchSeq]: String(batch.batchSeq),
        [WEBHOOK_HEADERS.timestamp]: timestamp,
        [WEBHOOK_HEADERS.signature]: webhookSignature(this.secret, timestamp, body),
      },
      body,
    );
    acknowledged(answer);
  }

  async close(): Promise<void> {}
}

const COMMA = Buffer.from(',');

/**
 * `JSON.stringify({ streamId, batchSeq, format, ranges, events, checkpoints })`, byte for byte,
 * with each event's JSON spliced in as the formatter made it (serialized here when it has none).
 */
export function webhookBody(batch: DeliveryBatch): Buffer {
  const head = JSON.stringify({ streamId: batch.streamId, batchSeq: batch.batchSeq, format: batch.format, ranges: batch.ranges });
  const parts: Buffer[] = [Buffer.from(`${head.slice(0, -1)},"events":[`)];
  batch.events.forEach((stored, index) => {
    if (index > 0) parts.push(COMMA);
    parts.push(stored.formatted ?? Buffer.from(JSON.stringify(formatEvent(batch.format, stored))));
  });
  parts.push(Buffer.from(`],"checkpoints":${JSON.stringify(batch.checkpoints)}}`));
  return Buffer.concat(parts);
}
