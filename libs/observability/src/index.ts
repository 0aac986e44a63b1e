export { ObservabilityModule, type ObservabilityOptions } from './observability.module';
export { ObservabilityConfig, LOG_LEVELS, type LogLevel } from './observability.config';
export { createMetricsRegistry } from './metrics.registry';
export { IngestMetrics, type IngestMetricsOptions, type IngestTransportStats, type LagSource, type PartitionLagSample } from './ingest.metrics';
export { ProducerMetrics, type ProducerMetricsHooks } from './producer.metrics';
export { HttpMetrics } from './http.metrics';
export { QueryCacheMetrics } from './query-cache.metrics';
export { pipelineMetricCatalog, type MetricDefinition } from './metric-catalog';
