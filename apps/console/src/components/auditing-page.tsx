import { useEffect, useMemo, useRef, useState } from 'react';
import type { AuditApiClient } from '../api/audit-api.client';
import { EMPTY_FILTERS, hasFilters, PAGE_SIZE, type AuditFilters } from '../filters/audit-filters';
import { ViewWindows } from '../filters/view-windows';
import { formatCount } from '../format/event.format';
import { AuditTable } from './audit-table';
import { ExportButtons } from './export-buttons';
import { FilterBar } from './filter-bar';
import { HistogramBars } from './histogram-bars';
import { TopLists } from './top-lists';
import { useAggregations } from './use-aggregations';
import { Pagination } from './pagination';
import { RetentionPanel } from './retention-panel';
import { EmptyState, ErrorState, LoadingState, SignInNotice } from './state-views';
import { StreamsSection } from './streams-section';
import { useAuditResults, useFilterOptions } from './use-audit-data';
import { useUrlView } from './use-url-view';

export function AuditingPage({ api }: { api: AuditApiClient }) {
  const { view, search, navigate, replace } = useUrlView();
  const [attempt, setAttempt] = useState(0);
  const windows = useMemo(() => new ViewWindows(), []);
  // Resolved when the view changes (a first page opens a fresh window), not at every request.
  const viewWindow = useMemo(() => windows.windowOf(view, Date.now()), [windows, view]);
  const results = useAuditResults(api, view, viewWindow, windows, search, attempt);
  const options = useFilterOptions(api, view, viewWindow, attempt);
  const aggregations = useAggregations(api, view, viewWindow, attempt);
  const heading = useRef<HTMLHeadingElement>(null);
  const pagedByUser = useRef(false);

  const applyFilters = (filters: AuditFilters) => navigate({ filters, cursor: '', page: 1 });
  const goToPage = (cursor: string, page: number) => {
    pagedByUser.current = true;
    navigate({ filters: view.filters, cursor: page > 1 ? cursor : '', page });
  };

  // A paged view whose window this page does not know (reloaded, or a shared link) starts again at page 1.
  useEffect(() => {
    if (!viewWindow) replace({ filters: view.filters, cursor: '', page: 1 });
  }, [viewWindow, view, replace]);

  // After Previous/Next, move focus to the results heading so keyboard and screen-reader users
  // land on the new page instead of on a button that may now be disabled.
  useEffect(() => {
    if (results.state === 'ready' && pagedByUser.current) {
      pagedByUser.current = false;
      heading.current?.focus();
    }
  }, [results]);

  if (results.state === 'error' && (results.error.status === 401 || results.error.status === 403)) {
    return <SignInNotice reason={results.error.status === 401 ? 'expired' : 'forbidden'} message={results.error.message} />;
  }

  // Until the effect for a new view has run, `results` still holds the previous view's answer.
  const state = results.query !== search ? 'loading' : results.state;
  const page = results.state === 'error' ? undefined : results.page;
  const first = (view.page - 1) * PAGE_SIZE + 1;
  const shown = page?.data.length ?? 0;
  const rangeText = shown
    ? `Showing ${formatCount(first)}–${formatCount(first + shown - 1)}${options.total !== null ? ` of ${formatCount(Math.max(options.total, first + shown - 1))}` : ''} events`
    : '';

  return (
    <>
      <RetentionPanel api={api} />
      <FilterBar filters={view.filters} options={options} onChange={applyFilters} />
      <section
        className="results"
        aria-labelledby="results-heading"
        aria-busy={state === 'loading'}
        data-testid="results"
        data-state={state === 'ready' && shown === 0 ? 'empty' : state}
        data-query={results.query}
        data-window-from={viewWindow?.from}
        data-window-to={viewWindow?.to}
      >
        <div className="results__toolbar">
          <h2 id="results-heading" ref={heading} tabIndex={-1}>
            Events <span className="results__range" aria-live="polite">{rangeText}</span>
          </h2>
          <ExportButtons api={api} filters={view.filters} viewWindow={viewWindow} disabled={state !== 'ready' || shown === 0} />
        </div>
        <HistogramBars histogram={aggregations.histogram} onZoom={(from, to) => applyFilters({ ...view.filters, range: '', from, to })} />
        <TopLists top={aggregations.top} />
        {state === 'error' && results.state === 'error' ? (
          <ErrorState error={results.error} onRetry={() => setAttempt((n) => n + 1)} />
        ) : page && shown > 0 ? (
          <AuditTable events={page.data} loading={state === 'loading'} />
        ) : state === 'loading' ? (
          <LoadingState />
        ) : (
          <EmptyState
            filtered={hasFilters(view.filters)}
            onWiden={() => applyFilters({ ...view.filters, range: '90d', from: '', to: '' })}
            onClear={() => applyFilters(EMPTY_FILTERS)}
          />
        )}
        {page && (shown > 0 || view.page > 1) ? (
          <Pagination
            page={view.page}
            rangeText={rangeText}
            previousCursor={view.page > 2 ? page.prevCursor : view.page === 2 ? '' : null}
            nextCursor={page.nextCursor}
            disabled={state === 'loading'}
            onPage={goToPage}
          />
        ) : null}
      </section>
      <StreamsSection api={api} />
    </>
  );
}
