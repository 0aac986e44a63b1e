import { hostname } from 'node:os';
import { batchItems, itemKind, itemTime } from '../format/batch.items';
import type { DeliveryBatch } from '../format/delivery-batch';
import type { SplunkDestination as SplunkSettings } from '../definition/stream-definition';
import type { Destination } from './destination';
import { acknowledged, endpointUrl, type HttpTransport } from './http.transport';

const PATH = '/services/collector/event';

/** Splunk's `{"text": "...", "code": N}` as the error's words. */
function hecError(body: string): string {
  try {
    const { text, code } = JSON.parse(body) as { text?: string; code?: number };
    return text !== undefined ? `${text} (HEC code ${code})` : body.slice(0, 200);
  } catch {
    return body.slice(0, 200);
  }
}

/**
 * Splunk HTTP Event Collector: `POST <url>/services/collector/event` with `Authorization: Splunk
 * <token>`, the batch as HEC event objects one after another, each `{ time, host, source,
 * sourcetype, index?, event }` (sourcetype `audit:event`, `audit:ocsf`, `audit:checkpoint` or
 * `audit:coverage` unless the stream sets one). HEC answers 200 `{"text":"Success","code":0}`;
 * its errors (400 invalid data, 401/403 token, 503 server busy) are retried with backoff.
 */
export class SplunkHecDestination implements Destination {
  readonly limits = { maxItems: 500, maxBytes: 800 * 1024 };
  private readonly url: URL;
  private readonly host = hostname();

  constructor(
    private readonly settings: SplunkSettings,
    private readonly token: string,
    private readonly transport: HttpTransport,
  ) {
    this.url = endpointUrl(settings.url, PATH);
  }

  async send(batch: DeliveryBatch): Promise<void> {
    const { index, sourcetype } = this.settings;
    const body = batchItems(batch)
      .map((item) =>
        JSON.stringify({
          time: itemTime(item) / 1000,
          host: this.host,
          source: `audit-stream:${batch.streamId}`,
          sourcetype: sourcetype && itemKind(item) !== 'coverage' && itemKind(item) !== 'checkpoint' ? sourcetype : `audit:${itemKind(item)}`,
          ...(index && { index }),
          event: item,
        }),
      )
      .join('\n');
    const answer = await this.transport.post(this.url, { 'content-type': 'application/json', authorization: `Splunk ${this.token}`, 'user-agent': 'audit-pipeline-streams/1' }, Buffer.from(body));
    acknowledged(answer, hecError);
  }

  async close(): Promise<void> {}
}
