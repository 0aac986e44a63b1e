import { hostname } from 'node:os';
import { batchItems, itemKind, type BatchItem } from '../format/batch.items';
import type { DeliveryBatch } from '../format/delivery-batch';
import type { DatadogDestination as DatadogSettings } from '../definition/stream-definition';
import type { Destination } from './destination';
import { acknowledged, endpointUrl, type HttpTransport } from './http.transport';

const PATH = '/api/v2/logs';

/** A one-line summary for the log's `message`; the item itself travels as the entry's attributes. */
function summary(item: BatchItem): string {
  if ('class_uid' in item) return `${String((item.api as { operation: string }).operation)} ${String(item.status)}`;
  if (item.kind === 'event') return `${item.event.action} ${item.event.resource.type}/${item.event.resource.id} by ${item.event.actor.id}: ${item.event.status}`;
  if (item.kind === 'checkpoint') return `chain checkpoint of ${item.organizationId} at ${item.checkpoint.chainSeq}`;
  return `coverage of ${item.organizationId}: ${item.firstSeq}-${item.lastSeq}`;
}

/**
 * Datadog logs intake v2: `POST <url>/api/v2/logs` with `DD-API-KEY`, a JSON array of entries
 * `{ ddsource, service, hostname, ddtags, message, ...item }`. Within its documented limits: at
 * most 1,000 entries and 5 MB (uncompressed) per request. 202 acknowledges; 400, 401/403, 408,
 * 413 (the batch is halved), 429 and 5xx are retried with backoff.
 */
export class DatadogLogsDestination implements Destination {
  readonly limits = { maxItems: 1000, maxBytes: 4 * 1024 * 1024 };
  private readonly url: URL;
  private readonly host = hostname();

  constructor(
    private readonly settings: DatadogSettings,
    private readonly apiKey: string,
    private readonly transport: HttpTransport,
  ) {
    this.url = endpointUrl(settings.url, PATH);
  }

  async send(batch: DeliveryBatch): Promise<void> {
    const kindTag = (item: BatchItem) => `audit_kind:${itemKind(item)}`;
    const entries = batchItems(batch).map((item) => ({
      ddsource: 'audit-pipeline',
      service: this.settings.service ?? 'audit-pipeline',
      hostname: this.host,
      ddtags: [this.settings.tags, kindTag(item), `audit_stream:${batch.streamId}`].filter(Boolean).join(','),
      message: summary(item),
      ...item,
    }));
    const answer = await this.transport.post(this.url, { 'content-type': 'application/json', 'dd-api-key': this.apiKey, 'user-agent': 'audit-pipeline-streams/1' }, Buffer.from(JSON.stringify(entries)));
    acknowledged(answer);
  }

  async close(): Promise<void> {}
}
