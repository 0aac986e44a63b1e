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

/** The caches of the two reads an Auditing page repeats (list and facets), sharing one memory bound. */
export class AuditReadCaches {
  readonly pages: ReadCache<StoredPage>;
  readonly facets: ReadCache<Facets>;

  constructor(config: QueryConfig, counter?: (endpoint: string) => (outcome: string) => void) {
    const options = (endpoint: string, share: number): ReadCacheOptions => ({
      freshMs: config.QUERY_CACHE_MS,
      staleMs: config.QUERY_CACHE_STALE_MS,
      refreshWaitMs: config.QUERY_CACHE_REFRESH_WAIT_MS,
      maxBytes: Math.floor(config.QUERY_CACHE_MAX_BYTES * share),
      ...(counter && { onRead: counter(endpoint) }),
    });
    // UTF-16 in memory: two bytes per character.
    this.pages = new ReadCache(options('list', 0.9), (page) => page.json.length * 2 + 64 * page.organizations.length);
    // A facets answer is a few dozen counts.
    this.facets = new ReadCache(options('facets', 0.1), (facets) => 64 * (facets.resourceType.length + facets.action.length + facets.status.length) + 64);
  }
}
