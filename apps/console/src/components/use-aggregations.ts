import { useEffect, useState } from 'react';
import type { AuditApiClient, AuditHistogram, TopDimension, TopValue } from '../api/audit-api.client';
import { formatView, type AuditView, type ViewWindow } from '../filters/audit-filters';

export const TOP_LISTS: ReadonlyArray<{ by: TopDimension; title: string }> = [
  { by: 'actor', title: 'Top actors' },
  { by: 'resource', title: 'Top resources' },
  { by: 'ip', title: 'Top IP addresses' },
  { by: 'action', title: 'Top actions' },
];
const TOP_LIMIT = 5;

export interface Aggregations {
  histogram: AuditHistogram | null;
  top: Partial<Record<TopDimension, TopValue[]>>;
}

/**
 * The histogram and the top lists of a view in its window, asked once per filters and window (each
 * is an audited read; paging keeps both). Like the facets they only enrich the page: when they fail
 * the table still works, without bars and lists.
 */
export function useAggregations(api: AuditApiClient, view: AuditView, viewWindow: ViewWindow | undefined, attempt: number): Aggregations {
  const [aggregations, setAggregations] = useState<Aggregations>({ histogram: null, top: {} });
  const { filters } = view;
  const filtersKey = `${formatView({ filters, cursor: '', page: 1 })}|${viewWindow?.from}|${viewWindow?.to}`;
  useEffect(() => {
    if (!viewWindow) return undefined;
    const abort = new AbortController();
    setAggregations({ histogram: null, top: {} });
    const ignore = () => undefined;
    api
      .histogram(filters, viewWindow, abort.signal)
      .then((histogram) => setAggregations((previous) => ({ ...previous, histogram })))
      .catch(ignore);
    for (const { by } of TOP_LISTS) {
      api
        .top(filters, viewWindow, by, TOP_LIMIT, abort.signal)
        .then((values) => setAggregations((previous) => ({ ...previous, top: { ...previous.top, [by]: values } })))
        .catch(ignore);
    }
    return () => abort.abort();
  }, [api, filtersKey, attempt]);
  return aggregations;
}
