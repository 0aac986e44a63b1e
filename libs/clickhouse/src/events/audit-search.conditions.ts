import type { SearchClause, SearchPattern } from '@audit/contract';

/** The columns each search key reads; identifiers come from here, never from the query. */
const SEARCH_COLUMNS: Record<SearchClause['key'], readonly string[]> = {
  actor: ['actor_email', 'actor_id'],
  'actor.id': ['actor_id'],
  'actor.email': ['actor_email'],
  'actor.type': ['actor_type'],
  action: ['action'],
  'resource.type': ['resource_type'],
  'resource.id': ['resource_id'],
  'resource.name': ['resource_name'],
  status: ['status'],
  'request.id': ['request_id'],
  'session.id': ['session_id'],
  ip: ['actor_ip'],
};

/** A wildcard pattern as a LIKE pattern: the literal parts with % _ \ escaped, joined by %. */
export function likePattern(pattern: SearchPattern): string {
  return pattern.map((part) => part.replace(/[\\%_]/g, (char) => `\\${char}`)).join('%');
}

/** An address is its own single-address range, so one function matches IPv6 written either way. */
const asRange = (address: string) => (address.includes('/') ? address : `${address}/${address.includes(':') ? 128 : 32}`);

/** isIPAddressInRange throws on text that is no address (an empty actor_ip): such a row never matches. */
const IS_ADDRESS = '(isIPv4String(actor_ip) OR isIPv6String(actor_ip))';

/** The actor's IP address is in `range` (an SQL expression of CIDR text); a row without an address never matches. */
export const ipMatchSql = (range: string) => `if(${IS_ADDRESS}, isIPAddressInRange(if(${IS_ADDRESS}, actor_ip, '0.0.0.0'), ${range}), 0)`;

/**
 * A search's clauses as WHERE conditions with bound parameters (`search{clause}_{value}`): in one
 * clause a row must match one included value (if any) and no excluded one; exact values of a key
 * are one `IN` per column (which the bloom filters can skip on), patterns one `like` each.
 */
export function searchConditions(clauses: readonly SearchClause[]): { sql: string[]; params: Record<string, unknown> } {
  const sql: string[] = [];
  const params: Record<string, unknown> = {};
  clauses.forEach((clause, index) => {
    let count = 0;
    const bind = (value: unknown, type: string) => {
      const name = `search${index}_${count++}`;
      params[name] = value;
      return `{${name}:${type}}`;
    };
    const columns = SEARCH_COLUMNS[clause.key];
    const matchAny = (values: ReadonlyArray<SearchPattern | string>): string => {
      const alternatives: string[] = [];
      if (clause.key === 'ip') {
        for (const address of values as string[]) {
          alternatives.push(ipMatchSql(bind(asRange(address), 'String')));
        }
      } else {
        const patterns = values as SearchPattern[];
        const exact = patterns.filter((pattern) => pattern.length === 1).map((pattern) => pattern[0]);
        if (exact.length > 0) {
          const list = bind(exact, 'Array(String)');
          alternatives.push(...columns.map((column) => `${column} IN ${list}`));
        }
        for (const pattern of patterns.filter((candidate) => candidate.length > 1)) {
          const like = bind(likePattern(pattern), 'String');
          alternatives.push(...columns.map((column) => `like(${column}, ${like})`));
        }
      }
      return `(${alternatives.join(' OR ')})`;
    };
    if (clause.include.length > 0) sql.push(matchAny(clause.include));
    if (clause.exclude.length > 0) sql.push(`NOT ${matchAny(clause.exclude)}`);
  });
  return { sql, params };
}
