import type { TenantScope } from '@audit/clickhouse';
import type { Principal } from './principal';
import { forbidden, invalidParameter } from '../http/api-errors';

/**
 * The one organization a per-organization request (verify, retention) acts on: owners and admins
 * their own, from the token; the security role must name one with `organizationId`, which nobody
 * else may pass.
 */
export function singleOrganization(principal: Principal, organizationId: string | undefined, why: string): string {
  if (organizationId !== undefined && principal.role !== 'security') {
    throw forbidden('only the security role may choose the organization; yours comes from your token', 'organizationId');
  }
  if (principal.role === 'security' && organizationId === undefined) {
    throw invalidParameter('organizationId', 'required', `organizationId is required for the security role (${why})`);
  }
  return organizationId ?? principal.organizationId;
}

/**
 * Whose rows a read may see: owners and admins their organization, from the token; the security
 * role every organization, or the one it names with `organizationId`, which nobody else may pass.
 */
export function readScope(principal: Principal, organizationId: string | undefined): TenantScope {
  if (organizationId !== undefined && principal.role !== 'security') {
    throw forbidden('only the security role may choose the organization; yours comes from your token', 'organizationId');
  }
  if (principal.role !== 'security') return { organizationId: principal.organizationId };
  return organizationId ? { organizationId } : 'all';
}
