import type { SearchPattern, SearchTerm } from './audit-search.query';

/** Text that needs no quotes: no white space, quote or wildcard inside, and not empty. */
const BARE = /^[^\s"*]+$/;

function printPattern(pattern: SearchPattern): string {
  if (pattern.every((part) => BARE.test(part) || part === '') && pattern.join('') !== '') return pattern.join('*');
  return `"${pattern.map((part) => part.replace(/["\\*]/g, (char) => `\\${char}`)).join('*')}"`;
}

function printTerm(term: SearchTerm): string {
  if (term.key === 'created') return 'from' in term ? `created:${term.from}..${term.to}` : `created:${term.operator === '=' ? '' : term.operator}${term.at}`;
  const sign = term.negated ? '-' : '';
  return term.key === 'ip' ? `${sign}ip:${term.address}` : `${sign}${term.key}:${printPattern(term.pattern)}`;
}

/** The canonical text of a query: `parseAuditSearch(printAuditSearch(terms))` gives `terms` back. */
export function printAuditSearch(terms: readonly SearchTerm[]): string {
  return terms.map(printTerm).join(' ');
}
