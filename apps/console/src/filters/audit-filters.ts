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
 * The API's filter parameters for a view (shared by list, facets and export). A quick range is
 * turned into `from` at request time, so a shared "last 7 days" link means the last 7 days.
 * `omitResourceTypes` serves the options of that filter, which are counted without it.
 */
export function apiFilterParams(filters: AuditFilters, now: number, { omitResourceTypes = false } = {}): URLSearchParams {
  const params = new URLSearchParams();
  if (!omitResourceTypes) for (const type of filters.resourceTypes) params.append('resourceType', type);
  if (filters.action) params.set('action', filters.action);
  if (filters.actor) params.set('actor', filters.actor);
  if (filters.status) params.set('status', filters.status);
  const range = QUICK_RANGES.find((quick) => quick.id === filters.range);
  if (range) params.set('from', new Date(now - range.ms).toISOString());
  else if (filters.from) params.set('from', filters.from);
  if (!range && filters.to) params.set('to', filters.to);
  return params;
}

/** Every filter cleared, back to the default window. */
export const EMPTY_FILTERS: AuditFilters = { resourceTypes: [], action: '', actor: '', status: '', range: DEFAULT_RANGE, from: '', to: '' };

export function hasFilters(filters: AuditFilters): boolean {
  return formatView({ filters, cursor: '', page: 1 }) !== '';
}
