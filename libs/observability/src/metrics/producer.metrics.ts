import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The hooks an `AuditProducer` calls (structurally its `AuditProducerMetrics` option; this lib
 * stays below the producer in the dependency graph, so it states the shape instead of importing it).
 */
export interface ProducerMetricsHooks {
  sent(events: number): void;
  failed(events: number, error: Error, willRetry: boolean): void;
  buffered(events: number, bytes: number): void;
  batchLatency(milliseconds: number, events: number): void;
}

/** Send latency of one producer batch: milliseconds on a healthy local broker, seconds when it struggles. */
const PRODUCER_BATCH_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Producer-side metrics for a product service. Plug them in with
 * `new AuditProducer({ …, metrics: new ProducerMetrics(registry).hooks() })`.
 */
export class ProducerMetrics {
  readonly bufferedEvents: Gauge;
  readonly bufferedBytes: Gauge;
  readonly sent: Counter;
  readonly failed: Counter<'will_retry'>;
  readonly batchDuration: Histogram;

  constructor(registry: Registry) {
    const registers = [registry];
    this.bufferedEvents = new Gauge({ name: 'audit_producer_buffered_events', help: 'Audit events accepted by record() and not yet acknowledged by the broker.', registers });
    this.bufferedBytes = new Gauge({ name: 'audit_producer_buffered_bytes', help: 'Bytes of the audit events waiting in the producer buffer.', registers });
    this.sent = new Counter({ name: 'audit_producer_events_sent_total', help: 'Audit events the broker acknowledged.', registers });
    this.failed = new Counter({
      name: 'audit_producer_events_failed_total',
      help: 'Audit events of failed send attempts; will_retry="false" means they were given up.',
      labelNames: ['will_retry'],
      registers,
    });
    this.batchDuration = new Histogram({
      name: 'audit_producer_batch_duration_seconds',
      help: 'Time from handing a batch to the Kafka client until the broker acknowledged it.',
      buckets: PRODUCER_BATCH_BUCKETS,
      registers,
    });
  }

  hooks(): ProducerMetricsHooks {
    return {
      sent: (events) => this.sent.inc(events),
      failed: (events, _error, willRetry) => this.failed.inc({ will_retry: String(willRetry) }, events),
      buffered: (events, bytes) => {
        this.bufferedEvents.set(events);
        this.bufferedBytes.set(bytes);
      },
      batchLatency: (milliseconds) => this.batchDuration.observe(milliseconds / 1000),
    };
  }
}
