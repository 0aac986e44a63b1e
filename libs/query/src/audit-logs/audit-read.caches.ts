import type { Facets } from '@audit/clickhouse';
import { QueryConfig } from '../query.config';
import { ReadCache, type ReadCacheOptions } from './read.cache';

/**
 * A page as stored: its JSON text, serialized once and sent as is to every request that reuses it
 * (a 50-event page is ~30 KB; stringifying it per request was a tenth of a hit's CPU), and the
 * organizations its rows come from (a cross-organization read is recorded in each of them).
 */
export interface StoredPage {
  json: string;
  organizations: readonly string[];
}

/** The caches of the reads an Auditing page repeats (list, facets, histogram and top lists), sharing one memory bound. */
export class AuditReadCaches {
  readonly pages: ReadCache<StoredPage>;
  readonly facets: ReadCache<Facets>;
  /** Histograms and top lists, as their JSON text (a top list also names the organizations it shows). */
  readonly aggregations: ReadCache<StoredPage>;

  constructor(config: QueryConfig, counter?: (endpoint: string) => (outcome: string) => void) {
    const options = (endpoint: string, share: number): ReadCacheOptions => ({
      freshMs: config.QUERY_CACHE_MS,
      staleMs: config.QUERY_CACHE_STALE_MS,
      refreshWaitMs: config.QUERY_CACHE_REFRESH_WAIT_MS,
      maxBytes: Math.floor(config.QUERY_CACHE_MAX_BYTES * share),
      ...(counter && { onRead: counter(endpoint) }),
    });
    // UTF-16 in memory: two bytes per character.
    const size = (page: StoredPage) => page.json.length * 2 + 64 * page.organizations.length;
    this.pages = new ReadCache(options('list', 0.8), size);
    this.aggregations = new ReadCache(options('aggregations', 0.1), size);
    // A facets answer is a few dozen counts.
    this.facets = new ReadCache(options('facets', 0.1), (facets) => 64 * (facets.resourceType.length + facets.action.length + facets.status.length) + 64);
  }
}
