import { isDateOnly, searchTimeMillis } from './search-value.rules';
import type { SearchPattern, SearchTerm, SearchTextKey } from './audit-search.query';

const DAY_MS = 86_400_000;

/** One key's terms: a row matches when one `include` matches (or there are none) and no `exclude` does. */
export type SearchClause =
  | { key: SearchTextKey; include: SearchPattern[]; exclude: SearchPattern[] }
  | { key: 'ip'; include: string[]; exclude: string[] };

/** A query as conditions: the clauses (AND across keys) and the window its `created` terms allow, [from, to) in ms. */
export interface SearchFilter {
  clauses: SearchClause[];
  from?: number;
  to?: number;
}

const start = (text: string) => searchTimeMillis(text);
/** The first instant after a date (its whole day) or after a time (the next millisecond). */
const after = (text: string) => searchTimeMillis(text) + (isDateOnly(text) ? DAY_MS : 1);

function bounds(term: Extract<SearchTerm, { key: 'created' }>): { from?: number; to?: number } {
  if ('from' in term) return { from: start(term.from), to: after(term.to) };
  switch (term.operator) {
    case '>=':
      return { from: start(term.at) };
    case '>':
      return { from: after(term.at) };
    case '<':
      return { to: start(term.at) };
    case '<=':
      return { to: after(term.at) };
    case '=':
      return { from: start(term.at), to: after(term.at) };
  }
}

/** Groups terms by key (in the order keys first appear) and intersects the `created` windows. */
export function toSearchFilter(terms: readonly SearchTerm[]): SearchFilter {
  const filter: SearchFilter = { clauses: [] };
  const byKey = new Map<string, { include: unknown[]; exclude: unknown[] }>();
  for (const term of terms) {
    if (term.key === 'created') {
      const { from, to } = bounds(term);
      if (from !== undefined) filter.from = Math.max(from, filter.from ?? from);
      if (to !== undefined) filter.to = Math.min(to, filter.to ?? to);
      continue;
    }
    let clause = byKey.get(term.key);
    if (!clause) {
      clause = { include: [], exclude: [] };
      byKey.set(term.key, clause);
      filter.clauses.push({ key: term.key, ...clause } as SearchClause);
    }
    (term.negated ? clause.exclude : clause.include).push(term.key === 'ip' ? term.address : term.pattern);
  }
  return filter;
}
