import { Registry } from 'prom-client';
import { ProducerMetrics } from './producer.metrics';

describe('ProducerMetrics', () => {
  it('should turn the producer hooks into buffer gauges, counters and a latency histogram', async () => {
    const registry = new Registry();
    const hooks = new ProducerMetrics(registry).hooks();

    hooks.buffered(40, 8_192);
    hooks.batchLatency(25, 40);
    hooks.sent(40);
    hooks.failed(3, new Error('broker down'), true);
    hooks.failed(2, new Error('closed'), false);
    hooks.buffered(0, 0);

    const text = await registry.metrics();
    expect(text).toContain('audit_producer_buffered_events 0');
    expect(text).toContain('audit_producer_buffered_bytes 0');
    expect(text).toContain('audit_producer_events_sent_total 40');
    expect(text).toContain('audit_producer_events_failed_total{will_retry="true"} 3');
    expect(text).toContain('audit_producer_events_failed_total{will_retry="false"} 2');
    expect(text).toContain('audit_producer_batch_duration_seconds_sum 0.025');
    expect(text).toContain('audit_producer_batch_duration_seconds_bucket{le="0.025"} 1');
  });
});
