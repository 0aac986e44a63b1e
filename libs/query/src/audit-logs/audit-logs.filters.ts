import { AUDIT_EVENT_FILTERS, type AuditEventAttributes, type AuditEventFilterParameter, type TenantScope } from '@audit/clickhouse';
import type { AuditLogsFilterDto } from './audit-logs-query.dto';
import { filterFingerprint } from './page-cursor.codec';

/** A request's filters (every read endpoint takes them); tsc refuses a filter of the list the DTO does not declare. */
export type FilterQuery = Pick<AuditLogsFilterDto, AuditEventFilterParameter>;

/** The filters by their query parameter names (a repeatable one as its list). */
export type FilterParameters = Partial<Record<AuditEventFilterParameter, string | string[]>>;

/** The request's filters as the repositories take them; absent ones are left out. */
export function attributesOf(query: FilterQuery): AuditEventAttributes {
  const attributes: Record<string, string | string[]> = {};
  for (const { parameter, field } of AUDIT_EVENT_FILTERS) {
    const value = query[parameter];
    if (value !== undefined) attributes[field] = value;
  }
  return attributes;
}

/** The filters given, under their query parameter names: what the export manifest states. */
export function filterParameters(attributes: AuditEventAttributes): FilterParameters {
  const parameters: FilterParameters = {};
  for (const { parameter, field } of AUDIT_EVENT_FILTERS) {
    const value = attributes[field];
    if (value !== undefined) parameters[parameter] = value;
  }
  return parameters;
}

/**
 * What a cursor is bound to: the scope, every filter given, and `extra` (the window, the search, or
 * the kind of cursor). Filters not given are left out, so adding a filter to the list leaves the
 * fingerprints of requests that do not use it as they were.
 */
export function fingerprintOf(scope: TenantScope, query: FilterQuery, extra: Record<string, string | undefined>): string {
  return filterFingerprint({ scope: scope === 'all' ? '*' : scope.organizationId, ...filterParameters(attributesOf(query)), ...extra });
}

/** The filters as flat metadata of the read's audit event (a list joined with commas, the search as its canonical text). */
export function describe(filter: AuditEventAttributes & { from?: string; to?: string }, q?: string): Record<string, string | undefined> {
  const given = Object.entries(filterParameters(filter)).map(([parameter, value]) => [parameter, Array.isArray(value) ? value.join(',') : value]);
  return { q, from: filter.from, to: filter.to, ...Object.fromEntries(given) };
}
