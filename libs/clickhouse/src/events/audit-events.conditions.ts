// The WHERE conditions of the read queries — tenant scope, content filters, time window, keyset
// bounds — as SQL with bound `{name:Type}` parameters; the repositories put them together.
import type { SearchClause } from '@audit/contract';
import { toClickHouseTime } from './audit-event.row';
import { ipMatchSql, searchConditions } from './audit-search.conditions';
import type { EventKey } from './event.key';

/**
 * Whose events a read may see. Every method takes it first, so no query can forget the tenant;
 * `all` exists for the security role's cross-organization investigations and must be granted by
 * the caller's authorization, never derived from input.
 */
export type TenantScope = { organizationId: string } | 'all';

/** Which events, by their content. Absent filters (and empty lists) match all. */
export interface AuditEventAttributes {
  resourceTypes?: string[];
  actions?: string[];
  /** Matches the actor's email or id. */
  actor?: string;
  resourceId?: string;
  /** Matches the actor's IP address (IPv4 or IPv6, however the event wrote it). */
  actorIp?: string;
  status?: string;
  /** A parsed search (`q=`): AND with the filters above. */
  search?: SearchClause[];
}

/** A filter's field of {@link AuditEventAttributes} (the search is not one: it has its own conditions). */
export type AuditEventFilterField = Exclude<keyof AuditEventAttributes, 'search'>;

/** A filter: its query parameter and its condition on the row, which binds the field's value as `{field:Type}`. */
interface FilterEntry {
  parameter: string;
  sql: string;
}

/** One entry per field (tsc refuses a field of {@link AuditEventAttributes} without one). */
const FILTER_BY_FIELD = {
  resourceTypes: { parameter: 'resourceType', sql: 'resource_type IN {resourceTypes:Array(String)}' },
  actions: { parameter: 'action', sql: 'action IN {actions:Array(String)}' },
  // Written against the (actor_email, actor_id) bloom filter, which can skip for this OR.
  actor: { parameter: 'actor', sql: '(actor_email = {actor:String} OR actor_id = {actor:String})' },
  resourceId: { parameter: 'resourceId', sql: 'resource_id = {resourceId:String}' },
  // As the search's ip: term with one address: 2001:db8::1 finds an event that wrote 2001:db8:0:0::1.
  actorIp: { parameter: 'actorIp', sql: ipMatchSql("concat({actorIp:String}, if(isIPv4String({actorIp:String}), '/32', '/128'))") },
  status: { parameter: 'status', sql: 'status = {status:String}' },
} as const satisfies Record<AuditEventFilterField, FilterEntry>;

/** A filter's query parameter. */
export type AuditEventFilterParameter = (typeof FILTER_BY_FIELD)[AuditEventFilterField]['parameter'];

/**
 * Every filter in one list: its query parameter (also its name in the read audit's metadata, the
 * cursor fingerprint and the verified export's manifest), its field of {@link AuditEventAttributes}
 * (also the name of its bound parameter) and its condition. The list, page, facets, export, tail
 * and aggregation queries and the query API all walk it, so a filter is a field above, an entry
 * here and a validated query parameter (recipe: libs/query's README).
 */
export const AUDIT_EVENT_FILTERS: ReadonlyArray<{ parameter: AuditEventFilterParameter; field: AuditEventFilterField; sql: string }> = Object.entries(FILTER_BY_FIELD).map(
  ([field, filter]) => ({ field: field as AuditEventFilterField, ...filter }),
);

/** What to read. Times are ISO-8601 UTC; the window is [from, to). */
export interface AuditEventsFilter extends AuditEventAttributes {
  from: string;
  to: string;
}

export type Params = Record<string, unknown>;

/** SQL conditions (joined with AND) and the values of their `{name:Type}` parameters. */
export interface Condition {
  sql: string[];
  params: Params;
}

export function filterCondition(scope: TenantScope, filter: AuditEventsFilter): Condition {
  const attributes = attributeCondition(scope, filter);
  return {
    sql: [...attributes.sql, "occurred_at >= {from:DateTime64(3, 'UTC')}", "occurred_at < {to:DateTime64(3, 'UTC')}"],
    params: { ...attributes.params, from: toClickHouseTime(filter.from), to: toClickHouseTime(filter.to) },
  };
}

/** The tenant scope and the content filters, without a time window (the tail is positioned by arrival instead). */
export function attributeCondition(scope: TenantScope, filter: AuditEventAttributes): Condition {
  const sql: string[] = [];
  const params: Params = {};
  if (scope !== 'all') {
    sql.push('organization_id = {organizationId:String}');
    params.organizationId = scope.organizationId;
  }
  for (const { field, sql: condition } of AUDIT_EVENT_FILTERS) {
    const value = filter[field];
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    sql.push(condition);
    params[field] = value;
  }
  if (filter.search?.length) {
    const search = searchConditions(filter.search);
    sql.push(...search.sql);
    Object.assign(params, search.params);
  }
  return { sql, params };
}

function keyParams(key: EventKey): Params {
  return { keyOrg: key.organizationId, keyTime: toClickHouseTime(key.occurredAt), keyId: key.eventId, keyDigest: key.contentDigest };
}

const KEY_DIGEST = 'unhex({keyDigest:String})';

/**
 * Keyset bound on the page order (occurred_at, event_id, organization_id, content_digest).
 * Spelled as a range on occurred_at plus a tie-break, so the primary index narrows the read to
 * the granules after the key: page 1000 reads what page 1 reads.
 */
export function keyCondition(key: EventKey, direction: 'older' | 'newer'): Condition {
  const [range, strict] = direction === 'older' ? ['<=', '<'] : ['>=', '>'];
  return {
    sql: [
      `occurred_at ${range} {keyTime:DateTime64(3, 'UTC')}`,
      `(occurred_at ${strict} {keyTime:DateTime64(3, 'UTC')} OR (event_id, organization_id, content_digest) ${strict} ({keyId:UUID}, {keyOrg:String}, ${KEY_DIGEST}))`,
    ],
    params: keyParams(key),
  };
}

/** Keyset bound on storage order (organization_id, occurred_at, event_id, content_digest), ascending: exports resume where the last batch ended. */
export function storageKeyCondition(key: EventKey): Condition {
  return {
    sql: [
      'organization_id >= {keyOrg:String}',
      `(organization_id > {keyOrg:String} OR (occurred_at >= {keyTime:DateTime64(3, 'UTC')}
        AND (occurred_at > {keyTime:DateTime64(3, 'UTC')} OR (event_id, content_digest) > ({keyId:UUID}, ${KEY_DIGEST}))))`,
    ],
    params: keyParams(key),
  };
}
