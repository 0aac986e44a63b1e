import { Registry } from 'prom-client';
import { HttpMetrics } from '../metrics/http.metrics';
import { IngestMetrics } from '../metrics/ingest.metrics';
import { ProducerMetrics } from '../metrics/producer.metrics';
import { QueryCacheMetrics } from '../metrics/query-cache.metrics';
import { QueryLimitMetrics } from '../metrics/query-limits.metrics';
import { StreamMetrics } from '../metrics/stream.metrics';

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
