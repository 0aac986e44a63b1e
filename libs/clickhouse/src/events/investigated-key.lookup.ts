import type { SearchClause } from '@audit/contract';
import type { AuditEventAttributes } from './audit-events.conditions';

/** The kinds of `audit_event_keys` (migration 0006). */
export type InvestigatedKeyKind = 'actor' | 'resource' | 'ip';

/** Entries of `audit_event_keys` that cover every row a filter can match. */
export interface InvestigatedKey {
  kind: InvestigatedKeyKind;
  values: string[];
}

/** Search keys whose exact values are entries of one kind (`actor` is email or id; both are entered as `actor`). */
const SEARCH_KINDS: Partial<Record<SearchClause['key'], InvestigatedKeyKind>> = {
  actor: 'actor',
  'actor.email': 'actor',
  'actor.id': 'actor',
  'resource.id': 'resource',
};

/**
 * The index entries a filter names, if it names any: every row the filter matches has an entry of
 * this kind with one of these values, so reading only the places of those entries loses nothing
 * (the read applies the whole filter again there). Only exact values qualify — a wildcard or an
 * address range could match rows without such an entry — and never the empty text, which is not
 * entered for actors. An `ip:` address is looked up in the entries' canonical form (0006), which
 * the same address written otherwise shares.
 */
export function investigatedKeyOf(filter: AuditEventAttributes): InvestigatedKey | undefined {
  if (filter.actor) return { kind: 'actor', values: [filter.actor] };
  if (filter.resourceId) return { kind: 'resource', values: [filter.resourceId] };
  for (const clause of filter.search ?? []) {
    if (clause.key === 'ip') {
      if (clause.include.length > 0 && clause.include.every((address) => !address.includes('/'))) return { kind: 'ip', values: clause.include };
      continue;
    }
    const kind = SEARCH_KINDS[clause.key];
    if (!kind || clause.include.length === 0) continue;
    const patterns = clause.include as ReadonlyArray<readonly string[]>;
    if (patterns.every((pattern) => pattern.length === 1 && pattern[0] !== '')) return { kind, values: patterns.map((pattern) => pattern[0]) };
  }
  return undefined;
}
