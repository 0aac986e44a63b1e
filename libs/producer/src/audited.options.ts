/** Where a call's resource id comes from: a path into `{ params, query, body, result }`, or a function of them. */
export type ResourceIdSource = string | ((call: AuditedCall) => unknown);

/** What the interceptor knows about a finished controller call. */
export interface AuditedCall {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
  /** The handler's return value (undefined when it threw). */
  result: unknown;
  request: unknown;
}

export interface AuditedOptions {
  /** The contract's action, e.g. `role.change`. */
  action: string;
  /** The contract's resource type, e.g. `Member`. */
  resourceType: string;
  /** E.g. `'params.id'`, `'result.id'`, `(call) => call.body.memberId`. */
  resourceId: ResourceIdSource;
  /** Optional resource name, same forms as `resourceId`. */
  resourceName?: ResourceIdSource;
}

export const AUDITED_METADATA = 'audit:audited';

