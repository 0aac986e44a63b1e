import { isIpOrCidr, isSearchTime } from './search-value.rules';
import { SEARCH_KEYS, SEARCH_LIMITS, SearchSyntaxError, type CreatedOperator, type SearchKey, type SearchPattern, type SearchTerm } from './audit-search.query';

const SPACE = /\s/;
const KEY_CHAR = /[a-z.]/;
const ESCAPABLE = new Set(['"', '\\', '*']);
const STATUSES = ['success', 'failure'];
const OPERATORS: CreatedOperator[] = ['>=', '<=', '>', '<', '='];
const KEY_LIST = SEARCH_KEYS.join(', ');

const isKey = (key: string): key is SearchKey => (SEARCH_KEYS as readonly string[]).includes(key);

interface Value {
  parts: string[];
  /** Offset just after the value. */
  end: number;
}

/**
 * Parses a search query into its terms, or throws a {@link SearchSyntaxError} naming the offset
 * and the rule. Pure: no I/O, no clock; `printAuditSearch` gives text that parses back to the
 * same terms.
 */
export function parseAuditSearch(text: string): SearchTerm[] {
  if (text.length > SEARCH_LIMITS.queryLength) {
    throw new SearchSyntaxError(SEARCH_LIMITS.queryLength, 'maxLength', `a query is at most ${SEARCH_LIMITS.queryLength} characters`);
  }
  const terms: SearchTerm[] = [];
  let at = 0;
  for (;;) {
    while (at < text.length && SPACE.test(text[at])) at++;
    if (at === text.length) return terms;
    if (terms.length === SEARCH_LIMITS.terms) throw new SearchSyntaxError(at, 'maxTerms', `a query has at most ${SEARCH_LIMITS.terms} terms`);
    const start = at;
    const negated = text[at] === '-';
    if (negated) at++;
    const keyStart = at;
    while (at < text.length && KEY_CHAR.test(text[at])) at++;
    const key = text.slice(keyStart, at);
    if (text[at] !== ':') throw new SearchSyntaxError(keyStart, 'term', `expected key:value such as actor:alice@example.com (keys: ${KEY_LIST})`);
    if (!isKey(key)) throw new SearchSyntaxError(keyStart, 'unknownKey', `unknown key "${key}" (keys: ${KEY_LIST})`);
    const valueStart = at + 1;
    const value = readValue(text, valueStart, key);
    terms.push(toTerm(key, negated, value.parts, start, valueStart));
    at = value.end;
  }
}

/** A quoted value ("…" with \" \\ \* escapes) or a run of characters up to white space. */
function readValue(text: string, start: number, key: string): Value {
  const parts = [''];
  const append = (char: string) => (parts[parts.length - 1] += char);
  let at = start;
  if (text[at] === '"') {
    for (at++; ; at++) {
      if (at >= text.length) throw new SearchSyntaxError(start, 'unterminatedQuote', 'the quote opened here is not closed');
      const char = text[at];
      if (char === '"') break;
      if (char === '*') parts.push('');
      else if (char !== '\\') append(char);
      else if (ESCAPABLE.has(text[at + 1])) append(text[++at]);
      else throw new SearchSyntaxError(at, 'escape', 'inside quotes only \\" \\\\ and \\* are escapes');
    }
    at++;
    if (at < text.length && !SPACE.test(text[at])) throw new SearchSyntaxError(at, 'afterQuote', 'expected white space after the closing quote');
  } else {
    for (; at < text.length && !SPACE.test(text[at]); at++) {
      if (text[at] === '"') throw new SearchSyntaxError(at, 'quote', 'a quote may only open a value: write key:"…"');
      if (text[at] === '*') parts.push('');
      else append(text[at]);
    }
    if (at === start) throw new SearchSyntaxError(start, 'emptyValue', `${key} needs a value (write "" for an empty one)`);
  }
  if (parts.join('').length > SEARCH_LIMITS.valueLength) {
    throw new SearchSyntaxError(start, 'maxLength', `a value is at most ${SEARCH_LIMITS.valueLength} characters`);
  }
  return { parts, end: at };
}

function toTerm(key: SearchKey, negated: boolean, parts: SearchPattern, start: number, valueStart: number): SearchTerm {
  if (key === 'created') return createdTerm(negated, parts, start, valueStart);
  if (key === 'ip') {
    if (parts.length !== 1 || !isIpOrCidr(parts[0])) {
      throw new SearchSyntaxError(valueStart, 'ip', 'ip takes an IPv4 or IPv6 address or a CIDR range such as 10.0.0.0/8 (no wildcards)');
    }
    return { key, negated, address: parts[0] };
  }
  if (key === 'status' && (parts.length !== 1 || !STATUSES.includes(parts[0]))) {
    throw new SearchSyntaxError(valueStart, 'status', 'status is success or failure');
  }
  return { key, negated, pattern: parts };
}

function createdTerm(negated: boolean, parts: SearchPattern, start: number, valueStart: number): SearchTerm {
  if (negated) throw new SearchSyntaxError(start, 'negatedCreated', 'created cannot be excluded: use created:<… or created:>…');
  const invalid = (offset: number) =>
    new SearchSyntaxError(offset, 'created', 'created takes a date or time (2026-09-01, 2026-09-01T10:00:00Z) after >=, >, <=, < or =, or a range A..B');
  if (parts.length !== 1) throw invalid(valueStart);
  const value = parts[0];
  const range = value.indexOf('..');
  if (range >= 0) {
    const [from, to] = [value.slice(0, range), value.slice(range + 2)];
    if (!isSearchTime(from)) throw invalid(valueStart);
    if (!isSearchTime(to)) throw invalid(valueStart + range + 2);
    return { key: 'created', from, to };
  }
  const operator = OPERATORS.find((candidate) => value.startsWith(candidate)) ?? '=';
  const time = value.startsWith(operator) ? value.slice(operator.length) : value;
  if (!isSearchTime(time)) throw invalid(valueStart);
  return { key: 'created', operator, at: time };
}
