import { Counter, type Registry } from 'prom-client';

/**
 * How the query API's page and facets reads were answered: `fresh` and `stale` from memory,
 * `coalesced` by joining a read already running, `miss` by a query of their own. A falling share of
 * `fresh` + `coalesced` under load means the engine runs more queries; a rising `stale` share means
 * it is saturated and answers are getting older (bounded by QUERY_CACHE_STALE_MS).
 */
export class QueryCacheMetrics {
  readonly reads: Counter<'endpoint' | 'outcome'>;

  constructor(registry: Registry) {
    this.reads = new Counter({
      name: 'audit_query_cache_reads_total',
      help: 'Page and facets reads of the query API by endpoint and how they were answered (fresh, stale, coalesced, miss).',
      labelNames: ['endpoint', 'outcome'],
      registers: [registry],
    });
  }

  /** A callback for one endpoint's cache. */
  counter(endpoint: string): (outcome: string) => void {
    return (outcome) => this.reads.inc({ endpoint, outcome });
  }
}
