import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { boundedLabel } from './metric-label';

/** One stream's figures as the delivery reads them at scrape time (structurally libs/streams' status). */
export interface StreamSample {
  stream: string;
  state: string;
  lagRecords: number;
  lagEvents: number;
  lagSeconds: number;
}

export type StreamSampleSource = () => StreamSample[];

const STATES = ['starting', 'backfilling', 'active', 'failing', 'paused'] as const;
/** Publish (the ingester's projection record) → the destination's acknowledgement. */
const LATENCY_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600];

/**
 * Outbound streams (libs/streams): per stream (label `stream`, its id; never an organization),
 * events delivered, failed attempts, lag in records, events and seconds, and its state; the
 * latency from publish to acknowledgement by destination type. Stream ids are bounded by
 * STREAMS_MAX_PER_ORGANIZATION per organization.
 */
export class StreamMetrics {
  readonly delivered: Counter<'stream'>;
  readonly failures: Counter<'stream'>;
  readonly latency: Histogram<'destination'>;
  readonly lagRecords: Gauge<'stream'>;
  readonly lagEvents: Gauge<'stream'>;
  readonly lagSeconds: Gauge<'stream'>;
  readonly state: Gauge<'stream' | 'state'>;
  private source: StreamSampleSource = () => [];

  constructor(registry: Registry) {
    const registers = [registry];
    this.delivered = new Counter({ name: 'audit_stream_events_delivered_total', help: 'Events and checkpoints a stream\'s destination acknowledged (copies included).', labelNames: ['stream'], registers });
    this.failures = new Counter({ name: 'audit_stream_delivery_failures_total', help: 'Failed delivery attempts of a stream (each batch is retried until acknowledged).', labelNames: ['stream'], registers });
    this.latency = new Histogram({
      name: 'audit_stream_delivery_latency_seconds',
      help: 'Time from the ingester publishing a stored record to the destination acknowledging it, by destination type.',
      labelNames: ['destination'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    const collect = () => this.collect();
    this.lagRecords = new Gauge({ name: 'audit_stream_lag_records', help: 'Projection records a stream has not passed yet.', labelNames: ['stream'], registers, collect });
    this.lagEvents = new Gauge({ name: 'audit_stream_lag_events', help: 'Events a stream has not delivered yet (estimated from its records and their mean size).', labelNames: ['stream'], registers, collect });
    this.lagSeconds = new Gauge({ name: 'audit_stream_lag_seconds', help: 'Age of the oldest stored event a stream has not delivered yet; 0 when caught up.', labelNames: ['stream'], registers, collect });
    this.state = new Gauge({ name: 'audit_stream_state', help: 'A stream\'s state: 1 for the current one of starting, backfilling, active, failing, paused.', labelNames: ['stream', 'state'], registers, collect });
  }

  /** Where the gauges come from at scrape time (the delivery's streams). */
  track(source: StreamSampleSource): void {
    this.source = source;
  }

  private collect(): void {
    const samples = this.source();
    for (const gauge of [this.lagRecords, this.lagEvents, this.lagSeconds, this.state]) gauge.reset();
    for (const sample of samples) {
      this.lagRecords.set({ stream: sample.stream }, sample.lagRecords);
      this.lagEvents.set({ stream: sample.stream }, sample.lagEvents);
      this.lagSeconds.set({ stream: sample.stream }, sample.lagSeconds);
      const current = boundedLabel(sample.state, STATES);
      for (const state of STATES) this.state.set({ stream: sample.stream, state }, state === current ? 1 : 0);
    }
  }
}
