import { useEffect, useState } from 'react';
import { ApiError, type AuditApiClient, type AuditPage, type FacetCount } from '../api/audit-api.client';
import { formatView, type AuditView } from '../filters/audit-filters';

export type Results =
  | { state: 'loading'; page?: AuditPage; query: string }
  | { state: 'ready'; page: AuditPage; query: string }
  | { state: 'error'; error: ApiError; query: string };

export interface FilterOptions {
  resourceTypes: FacetCount[];
  actions: FacetCount[];
  /** Events matching every filter, when the facets answered. */
  total: number | null;
}

function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(0, 'network_error', error instanceof Error ? `the server could not be reached (${error.message})` : String(error));
}

const isAbort = (error: unknown) => error instanceof DOMException && error.name === 'AbortError';

/** Loads the page of events for a view; `query` names the view the result belongs to. */
export function useAuditResults(api: AuditApiClient, view: AuditView, query: string, attempt: number): Results {
  const [results, setResults] = useState<Results>({ state: 'loading', query });
  useEffect(() => {
    const abort = new AbortController();
    setResults((previous) => ({ state: 'loading', page: previous.state === 'error' ? undefined : previous.page, query }));
    api
      .list(view.filters, view.cursor, Date.now(), abort.signal)
      .then((page) => setResults({ state: 'ready', page, query }))
      .catch((error: unknown) => {
        if (!isAbort(error)) setResults({ state: 'error', error: asApiError(error), query });
      });
    return () => abort.abort();
  }, [api, view, query, attempt]);
  return results;
}

/**
 * Options of the resource-type and action filters with their counts, from one facets request
 * without the resource-type filter: choosing "Member" must not hide the other types, and the total
 * is the sum over the chosen types. (Every read is itself audited, so the page asks once.)
 * Facets only enrich the filters: when they fail, the table still works and the options are empty.
 */
export function useFilterOptions(api: AuditApiClient, view: AuditView, attempt: number): FilterOptions {
  const [options, setOptions] = useState<FilterOptions>({ resourceTypes: [], actions: [], total: null });
  const { filters } = view;
  // Paging keeps the filters: counted again only when they change.
  const filtersKey = formatView({ filters, cursor: '', page: 1 });
  useEffect(() => {
    const abort = new AbortController();
    api
      .facets(filters, Date.now(), abort.signal)
      .then((facets) => {
        const chosen = filters.resourceTypes.length ? facets.resourceType.filter((facet) => filters.resourceTypes.includes(facet.value)) : facets.resourceType;
        setOptions({ resourceTypes: facets.resourceType, actions: facets.action, total: chosen.reduce((sum, facet) => sum + facet.count, 0) });
      })
      .catch((error: unknown) => {
        if (!isAbort(error)) setOptions({ resourceTypes: [], actions: [], total: null });
      });
    return () => abort.abort();
  }, [api, filtersKey, attempt]);
  return options;
}
