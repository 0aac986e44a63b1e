import { Registry } from 'prom-client';
import { IngestMetrics, type PartitionLagSample } from './ingest.metrics';

/** One sample by series name (histograms: `_bucket`, `_sum`, `_count`) and labels. */
async function value(registry: Registry, series: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const name = series.replace(/_(bucket|sum|count)$/, '');
  const metric = await (registry.getSingleMetric(name) ?? registry.getSingleMetric(series))?.get();
  const sample = metric?.values.find(
    (entry) =>
      ((entry as { metricName?: string }).metricName ?? metric.name) === series &&
      Object.entries(labels).every(([key, expected]) => String(entry.labels[key]) === expected),
  );
  return sample?.value;
}

describe('IngestMetrics', () => {
  let registry: Registry;
  let now: number;
  let metrics: IngestMetrics;

  beforeEach(() => {
    registry = new Registry();
    now = 1_000_000;
    metrics = new IngestMetrics(registry, { now: () => now, lagCacheMs: 2_000 });
  });

  it('should read lag once per scrape for both lag gauges and publish it per partition', async () => {
    const reads: number[] = [];
    metrics.trackLag(async () => {
      reads.push(now);
      return [
        { topic: 'audit.events.v1', partition: 0, lagMessages: 12, lagSeconds: 3.5 },
        { topic: 'audit.events.v1', partition: 1, lagMessages: 0, lagSeconds: 0 },
      ];
    });

    const text = await registry.metrics();

    expect(reads).toHaveLength(1);
    expect(text).toContain('audit_ingest_consumer_lag_messages{topic="audit.events.v1",partition="0"} 12');
    expect(text).toContain('audit_ingest_consumer_lag_seconds{topic="audit.events.v1",partition="0"} 3.5');
    expect(text).toContain('audit_ingest_consumer_lag_messages{topic="audit.events.v1",partition="1"} 0');
  });

  it('should read lag again on a later scrape and drop partitions no longer reported', async () => {
    let samples: PartitionLagSample[] = [
      { topic: 't', partition: 0, lagMessages: 5, lagSeconds: 1 },
      { topic: 't', partition: 1, lagMessages: 7, lagSeconds: 2 },
    ];
    metrics.trackLag(async () => samples);
    await registry.metrics();
    samples = [{ topic: 't', partition: 0, lagMessages: 1, lagSeconds: 0.5 }];
    now += 5_000;

    await registry.metrics();

    expect(await value(registry, 'audit_ingest_consumer_lag_messages', { partition: '0' })).toBe(1);
    expect(await value(registry, 'audit_ingest_consumer_lag_messages', { partition: '1' })).toBeUndefined();
  });

  it('should leave out the age of a lagging partition whose oldest message could not be read', async () => {
    metrics.trackLag(async () => [
      { topic: 't', partition: 0, lagMessages: 5, lagSeconds: 0, oldestUnconsumedTimestamp: null },
      { topic: 't', partition: 1, lagMessages: 0, lagSeconds: 0, oldestUnconsumedTimestamp: null },
    ]);

    await registry.metrics();

    expect(await value(registry, 'audit_ingest_consumer_lag_messages', { partition: '0' })).toBe(5);
    expect(await value(registry, 'audit_ingest_consumer_lag_seconds', { partition: '0' })).toBeUndefined();
    expect(await value(registry, 'audit_ingest_consumer_lag_seconds', { partition: '1' })).toBe(0);
  });

  it('should remove lag series and count the failure when the lag read fails', async () => {
    let fail = false;
    metrics.trackLag(async () => {
      if (fail) throw new Error('broker unreachable');
      return [{ topic: 't', partition: 0, lagMessages: 5, lagSeconds: 1 }];
    });
    await registry.metrics();
    fail = true;
    now += 5_000;

    const text = await registry.metrics();

    expect(text).not.toContain('audit_ingest_consumer_lag_messages{');
    expect(await value(registry, 'audit_ingest_consumer_lag_read_errors_total')).toBe(1);
  });

  it('should count rows, batch size and freshness of a successful insert', async () => {
    const occurredAt = [now - 1_500, now - 500, now - 20_000].map((ms) => new Date(ms).toISOString());

    await metrics.timeInsert(occurredAt, async () => undefined);

    expect(await value(registry, 'audit_ingest_rows_inserted_total')).toBe(3);
    expect(await value(registry, 'audit_ingest_freshness_seconds_count')).toBe(3);
    expect(await value(registry, 'audit_ingest_freshness_seconds_sum')).toBeCloseTo(22);
    expect(await value(registry, 'audit_ingest_freshness_seconds_bucket', { le: '1' })).toBe(1);
    expect(await value(registry, 'audit_ingest_insert_batch_rows_sum')).toBe(3);
    expect(await value(registry, 'audit_ingest_insert_duration_seconds_count', { outcome: 'success' })).toBe(1);
  });

  it('should count a failed insert by retryability and rethrow the same error', async () => {
    const failure = new Error('Code: 241. Memory limit exceeded');

    await expect(metrics.timeInsert([new Date(now).toISOString()], () => Promise.reject(failure), () => true)).rejects.toBe(failure);

    expect(await value(registry, 'audit_ingest_insert_errors_total', { retryable: 'true' })).toBe(1);
    expect(await value(registry, 'audit_ingest_insert_duration_seconds_count', { outcome: 'error' })).toBe(1);
    expect(await value(registry, 'audit_ingest_rows_inserted_total')).toBe(0);
  });

  it('should keep dead-letter reasons within a bounded vocabulary', async () => {
    metrics.deadLettered('contract', 2);
    metrics.deadLettered('Unexpected token < in JSON at position 0');

    expect(await value(registry, 'audit_ingest_dead_letters_total', { reason: 'contract' })).toBe(2);
    expect(await value(registry, 'audit_ingest_dead_letters_total', { reason: 'other' })).toBe(1);
  });

  it('should count quarantined dead letters by reason and by the broker refusal, within bounded vocabularies', async () => {
    metrics.quarantined('too_large', 'MESSAGE_TOO_LARGE');
    metrics.quarantined('too_large', 'MESSAGE_TOO_LARGE');
    metrics.quarantined('contract', 'The request included a message larger than the max message size');

    expect(await value(registry, 'audit_ingest_quarantined_total', { reason: 'too_large', refusal: 'message_too_large' })).toBe(2);
    expect(await value(registry, 'audit_ingest_quarantined_total', { reason: 'contract', refusal: 'other' })).toBe(1);
  });

  it('should read paused partitions and new retries from the transport at scrape time', async () => {
    const stats = { paused: [0, 2], retries: 4 };
    metrics.trackTransport('audit.events.v1', () => stats);

    await registry.metrics();
    expect(await value(registry, 'audit_ingest_paused_partitions', { topic: 'audit.events.v1' })).toBe(2);
    expect(await value(registry, 'audit_ingest_retries_total')).toBe(0);

    stats.paused = [];
    stats.retries = 7;
    await registry.metrics();
    expect(await value(registry, 'audit_ingest_paused_partitions', { topic: 'audit.events.v1' })).toBe(0);
    expect(await value(registry, 'audit_ingest_retries_total')).toBe(3);
  });
});
