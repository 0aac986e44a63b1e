import { parseAuditSearch, printAuditSearch, SearchSyntaxError, toSearchFilter, type SearchFilter } from '@audit/contract';
import { invalidSearch } from '../http/api-errors';

/** A request's `q`: its conditions, the window its created terms allow, and its canonical text (cache key, audit record). */
export interface ParsedSearch extends SearchFilter {
  text: string;
}

/** Parses `q`; a syntax error is a 400 naming the rule and the offset. */
export function parseSearch(q: string): ParsedSearch {
  try {
    const terms = parseAuditSearch(q);
    return { ...toSearchFilter(terms), text: printAuditSearch(terms) };
  } catch (error) {
    if (error instanceof SearchSyntaxError) throw invalidSearch(error.rule, error.position, error.message);
    throw error;
  }
}
