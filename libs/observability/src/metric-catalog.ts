import { Registry } from 'prom-client';
import { HttpMetrics } from './http.metrics';
import { IngestMetrics } from './ingest.metrics';
import { ProducerMetrics } from './producer.metrics';
import { QueryCacheMetrics } from './query-cache.metrics';
import { QueryLimitMetrics } from './query-limits.metrics';
import { StreamMetrics } from './stream.metrics';

export interface MetricDefinition {
  name: string;
  type: string;
  /** The series names a query can use: histograms expose `_bucket`, `_sum` and `_count`. */
  series: string[];
}

/**
 * Every metric the pipeline defines, from the definitions themselves: dashboards and alert rules
 * are checked against this list, so a renamed metric breaks a test instead of a dashboard.
 */
export async function pipelineMetricCatalog(): Promise<MetricDefinition[]> {
  const registry = new Registry();
  new IngestMetrics(registry);
  new ProducerMetrics(registry);
  new HttpMetrics(registry);
  new QueryCacheMetrics(registry);
  new QueryLimitMetrics(registry);
  new StreamMetrics(registry);
  return (await registry.getMetricsAsJSON()).map(({ name, type }) => ({
    name,
    type: String(type),
    series: String(type) === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name],
  }));
}
