/**
 * The search syntax of the API's `q=`, the CLI's `--q` and the Auditing page's search box, in the
 * style of GitHub's and Retraced's audit logs:
 *
 *   actor:alice@x.com action:role.* -status:success resource.type:Patient created:>=2026-09-01 ip:10.0.0.0/8
 *
 * A query is a list of terms separated by white space, each `key:value`, `-key:value` to exclude.
 * Values of one key are alternatives (OR), different keys all apply (AND); an excluded value is
 * excluded whatever else matches. `*` outside quotes (and inside quotes, unless written `\*`)
 * matches any run of characters. The syntax only ever becomes bound parameters, never SQL text.
 */
export const SEARCH_TEXT_KEYS = [
  'actor',
  'actor.id',
  'actor.email',
  'actor.type',
  'action',
  'resource.type',
  'resource.id',
  'resource.name',
  'status',
  'request.id',
  'session.id',
] as const;
export type SearchTextKey = (typeof SEARCH_TEXT_KEYS)[number];
export const SEARCH_KEYS = [...SEARCH_TEXT_KEYS, 'ip', 'created'] as const;
export type SearchKey = (typeof SEARCH_KEYS)[number];

/** Longest `q` accepted, and most terms in one query (each term is one condition of the read). */
export const SEARCH_LIMITS = { queryLength: 2048, terms: 50, valueLength: 512 } as const;

/**
 * A value as the text between its wildcards: `role.*` is `['role.', '']`, an exact value has one
 * part. Parts are literal text (no escapes left).
 */
export type SearchPattern = readonly string[];

export type CreatedOperator = '>=' | '>' | '<=' | '<' | '=';

/** An instant or a date as written: `2026-09-01` (a whole UTC day) or an ISO-8601 time. */
export type SearchTerm =
  | { key: SearchTextKey; negated: boolean; pattern: SearchPattern }
  /** An IPv4/IPv6 address, or a CIDR range such as 10.0.0.0/8. */
  | { key: 'ip'; negated: boolean; address: string }
  | { key: 'created'; operator: CreatedOperator; at: string }
  /** `created:A..B`: from A to B, both included (B's whole day when B is a date). */
  | { key: 'created'; from: string; to: string };

/** Where and why a query was refused: `position` is an offset into the text (0…length). */
export class SearchSyntaxError extends Error {
  constructor(
    readonly position: number,
    readonly rule: string,
    detail: string,
  ) {
    super(`q: at ${position}, ${detail}`);
    this.name = 'SearchSyntaxError';
  }
}
