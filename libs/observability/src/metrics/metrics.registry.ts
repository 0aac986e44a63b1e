import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per application (never prom-client's global one), so two Nest apps in one test
 * process, or the all-in-one runtime, never register a metric twice. Node's process metrics
 * (CPU, memory, event-loop lag, GC) come with it.
 */
export function createMetricsRegistry(options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}
