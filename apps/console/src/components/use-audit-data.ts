import { useEffect, useState } from 'react';
import { ApiError, type AuditApiClient, type AuditPage, type FacetCount } from '../api/audit-api.client';
import { formatView, type AuditView, type ViewWindow } from '../filters/audit-filters';
import type { ViewWindows } from '../filters/view-windows';

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

/**
 * Loads the page of events for a view in its window (none yet: the view is starting again from
 * page 1); `query` names the view the result belongs to. The page's cursors are remembered with
 * its window, so the pages they lead to read the same one.
 */
export function useAuditResults(api: AuditApiClient, view: AuditView, viewWindow: ViewWindow | undefined, windows: ViewWindows, query: string, attempt: number): Results {
  const [results, setResults] = useState<Results>({ state: 'loading', query });
  useEffect(() => {
    const abort = new AbortController();
    setResults((previous) => ({ state: 'loading', page: previous.state === 'error' ? undefined : previous.page, query }));
    if (!viewWindow) return () => abort.abort();
    api
      .list(view.filters, viewWindow, view.cursor, abort.signal)
      .then((page) => {
        windows.remember(viewWindow, [page.nextCursor, page.prevCursor]);
        setResults({ state: 'ready', page, query });
      })
      .catch((error: unknown) => {
        if (!isAbort(error)) setResults({ state: 'error', error: asApiError(error), query });
      });
    return () => abort.abort();
  }, [api, view, viewWindow, windows, query, attempt]);
  return results;
}

/**
 * Options of the resource-type and action filters with their counts, from one facets request
 * without the resource-type filter: choosing "Member" must not hide the other types, and the total
 * is the sum over the chosen types. (Every read is itself audited, so the page asks once.) Counted
 * in the view's window, so the counts describe what its pages show.
 * Facets only enrich the filters: when they fail, the table still works and the options are empty.
 */
export function useFilterOptions(api: AuditApiClient, view: AuditView, viewWindow: ViewWindow | undefined, attempt: number): FilterOptions {
  const [options, setOptions] = useState<FilterOptions>({ resourceTypes: [], actions: [], total: null });
  const { filters } = view;
  // Paging keeps the filters and the window: counted again only when they change.
  const filtersKey = `${formatView({ filters, cursor: '', page: 1 })}|${viewWindow?.from}|${viewWindow?.to}`;
  useEffect(() => {
    if (!viewWindow) return undefined;
    const abort = new AbortController();
    api
      .facets(filters, viewWindow, abort.signal)
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
