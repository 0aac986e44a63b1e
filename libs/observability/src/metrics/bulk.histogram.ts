import type { Metric, Registry } from 'prom-client';

/** What prom-client's registry reads from a metric (its typings leave these shapes unexported). */
export interface HistogramSnapshot {
  name: string;
  help: string;
  type: 'histogram';
  aggregator: 'sum';
  values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }>;
}

export interface BulkHistogramConfig {
  name: string;
  help: string;
  /** Upper bounds, ascending; `+Inf` is added. */
  buckets: readonly number[];
  registers: Registry[];
}

/**
 * A label-less histogram in prom-client's exposition format, for values observed once per stored
 * row: prom-client's `Histogram.observe` validates and hashes labels on every call (about 0.5 µs),
 * which would make the freshness metric the largest per-row cost of the ingester after validation.
 * This one counts into a bucket array (a few nanoseconds a value) and renders the same series:
 * `_bucket{le}` (cumulative), `_sum`, `_count`.
 */
export class BulkHistogram {
  readonly type = 'histogram';
  readonly name: string;
  readonly help: string;
  readonly aggregator = 'sum' as const;
  private readonly upperBounds: number[];
  private counts: number[];
  private sum = 0;
  private count = 0;

  constructor(config: BulkHistogramConfig) {
    this.name = config.name;
    this.help = config.help;
    this.upperBounds = [...config.buckets].sort((a, b) => a - b);
    this.counts = new Array<number>(this.upperBounds.length + 1).fill(0);
    // prom-client's registry takes any object with its Metric shape (name, help, type, get, reset).
    for (const registry of config.registers) registry.registerMetric(this as unknown as Metric);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    let bucket = 0;
    while (bucket < this.upperBounds.length && value > this.upperBounds[bucket]) bucket += 1;
    this.counts[bucket] += 1;
    this.sum += value;
    this.count += 1;
  }

  get(): HistogramSnapshot {
    let cumulative = 0;
    const buckets = this.counts.map((count, index) => {
      cumulative += count;
      return { metricName: `${this.name}_bucket`, labels: { le: index < this.upperBounds.length ? this.upperBounds[index] : '+Inf' }, value: cumulative };
    });
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: [...buckets, { metricName: `${this.name}_sum`, labels: {}, value: this.sum }, { metricName: `${this.name}_count`, labels: {}, value: this.count }],
    };
  }

  reset(): void {
    this.counts = this.counts.map(() => 0);
    this.sum = 0;
    this.count = 0;
  }
}
