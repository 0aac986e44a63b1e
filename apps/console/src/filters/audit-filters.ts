/**
 * The console's view state lives in the URL query string, so a view can be shared, bookmarked and
 * restored by a reload. This module is the single place that reads and writes it.
 */

export const QUICK_RANGES = [
  { id: '24h', label: '24 h', ms: 24 * 3_600_000 },
  { id: '7d', label: '7 d', ms: 7 * 86_400_000 },
  { id: '30d', label: '30 d', ms: 30 * 86_400_000 },
  { id: '90d', label: '90 d', ms: 90 * 86_400_000 },
] as const;

export type QuickRange = (typeof QUICK_RANGES)[number]['id'];
export type StatusFilter = '' | 'success' | 'failure';

/** A view without any date in its URL shows this range, so the page always says which window it shows. */
export const DEFAULT_RANGE: QuickRange = '30d';
export const PAGE_SIZE = 50;

export interface AuditFilters {
  resourceTypes: string[];
  action: string;
  /** Email (or id) of the acting user. */
  actor: string;
  status: StatusFilter;
  /** A search in the API's syntax (`q`), e.g. `actor:alice@x.com action:role.* -status:success`. */
  q: string;
  /** A window relative to now; empty when `from`/`to` are explicit. */
  range: QuickRange | '';
  /** Explicit bounds, ISO-8601 UTC. */
  from: string;
  to: string;
}

export interface AuditView {
  filters: AuditFilters;
  /** Opaque cursor of the page shown; empty for the first page. */
  cursor: string;
  /** 1-based page number, for the range indicator ("51–100"). */
  page: number;
}

function isQuickRange(value: string | null): value is QuickRange {
  return QUICK_RANGES.some((range) => range.id === value);
}

export function parseView(search: string): AuditView {
  const params = new URLSearchParams(search);
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const range = params.get('range');
  const status = params.get('status');
  const page = Number(params.get('page'));
  const cursor = params.get('cursor') ?? '';
  return {
    filters: {
      resourceTypes: [...new Set(params.getAll('resourceType').filter(Boolean))],
      action: params.get('action') ?? '',
      actor: params.get('actor') ?? '',
      status: status === 'success' || status === 'failure' ? status : '',
      q: params.get('q') ?? '',
      range: isQuickRange(range) ? range : from || to ? '' : DEFAULT_RANGE,
      from: isQuickRange(range) ? '' : from,
      to: isQuickRange(range) ? '' : to,
    },
    cursor,
    page: cursor && Number.isInteger(page) && page > 1 ? page : 1,
  };
}

/** The query string of a view; the default range is left out so plain `/audit` stays plain. */
export function formatView({ filters, cursor, page }: AuditView): string {
  const params = new URLSearchParams();
  for (const type of filters.resourceTypes) params.append('resourceType', type);
  if (filters.action) params.set('action', filters.action);
  if (filters.actor) params.set('actor', filters.actor);
  if (filters.status) params.set('status', filters.status);
  if (filters.q) params.set('q', filters.q);
  if (filters.range && filters.range !== DEFAULT_RANGE) params.set('range', filters.range);
  if (filters.from) params.set('from', filters.from);
  if (filters.to) params.set('to', filters.to);
  if (cursor) {
    params.set('cursor', cursor);
    params.set('page', String(page));
  }
  const query = params.toString();
  return query ? `?${query}` : '';
}

/**
 * The time window a view reads, ISO-8601 UTC; an empty `from` leaves it to the server (30 days
 * before `to`). Resolved once, when the view opens at page 1, and kept while it is paged: the
 * pages, the facets and the export of a view all read this one window, and new events arriving
 * meanwhile neither shift its pages nor show twice.
 */
export interface ViewWindow {
  from: string;
  to: string;
}

/**
 * The window of a view opened at `now`: a quick range is the range up to now (so a shared "last
 * 7 days" link means the 7 days before it is opened); explicit bounds as given, an open end closed
 * at now.
 */
export function openWindow(filters: AuditFilters, now: number): ViewWindow {
  const range = QUICK_RANGES.find((quick) => quick.id === filters.range);
  if (range) return { from: new Date(now - range.ms).toISOString(), to: new Date(now).toISOString() };
  return { from: filters.from, to: filters.to || new Date(now).toISOString() };
}

/** The address alone fixes the window (explicit `to`): its cursors stay valid after a reload or in a shared link. */
export function isFixedWindow(filters: AuditFilters): boolean {
  return !filters.range && filters.to !== '';
}

/**
 * The API's filter parameters for a view in its window (shared by list, facets and export).
 * `omitResourceTypes` serves the options of that filter, which are counted without it.
 */
export function apiFilterParams(filters: AuditFilters, viewWindow: ViewWindow, { omitResourceTypes = false } = {}): URLSearchParams {
  const params = new URLSearchParams();
  if (!omitResourceTypes) for (const type of filters.resourceTypes) params.append('resourceType', type);
  if (filters.action) params.set('action', filters.action);
  if (filters.actor) params.set('actor', filters.actor);
  if (filters.status) params.set('status', filters.status);
  if (filters.q) params.set('q', filters.q);
  if (viewWindow.from) params.set('from', viewWindow.from);
  params.set('to', viewWindow.to);
  return params;
}

/** Every filter cleared, back to the default window. */
export const EMPTY_FILTERS: AuditFilters = { resourceTypes: [], action: '', actor: '', status: '', q: '', range: DEFAULT_RANGE, from: '', to: '' };

export function hasFilters(filters: AuditFilters): boolean {
  return formatView({ filters, cursor: '', page: 1 }) !== '';
}
