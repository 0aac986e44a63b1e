import type { StoredEvent } from '../projection/stored-record.decoder';

/** OCSF schema version the mapping follows. */
export const OCSF_VERSION = '1.3.0';

const CREATE = new Set(['create', 'add', 'invite', 'register', 'upload']);
const READ = new Set(['view', 'read', 'export', 'list', 'get', 'download', 'search']);
const UPDATE = new Set(['update', 'change', 'edit', 'modify', 'set', 'rename', 'enable', 'disable']);
const DELETE = new Set(['delete', 'remove', 'revoke', 'destroy', 'purge']);
const ACTIVITY_NAMES: Record<number, string> = { 1: 'Create', 2: 'Read', 3: 'Update', 4: 'Delete', 99: 'Other' };

/** OCSF API Activity `activity_id` from the action's last verb (`role.change` → Update, `login` → Other). */
export function ocsfActivityId(action: string): number {
  const verb = action.slice(action.lastIndexOf('.') + 1);
  if (CREATE.has(verb)) return 1;
  if (READ.has(verb)) return 2;
  if (UPDATE.has(verb)) return 3;
  if (DELETE.has(verb)) return 4;
  return 99;
}

export type OcsfApiActivity = Record<string, unknown> & { class_uid: 6003; metadata: Record<string, unknown> & { uid: string; sequence: number; tenant_uid: string } };

const USER_TYPES: Record<string, { type: string; type_id: number }> = { user: { type: 'User', type_id: 1 }, system: { type: 'System', type_id: 3 }, service: { type: 'Other', type_id: 99 } };

/**
 * An event as an OCSF API Activity (class 6003, category 6 Application Activity): the required
 * `activity_id`, `actor`, `api`, `src_endpoint`, `time`, `severity_id`, `type_uid` and `metadata`,
 * the resource, the outcome, and what OCSF has no attribute for under `unmapped` (the chain link,
 * changes, metadata). `metadata.uid` is the event id, `metadata.sequence` its chain sequence and
 * `metadata.tenant_uid` its organization, so a SIEM can drop copies and find gaps.
 */
export function toOcsfApiActivity({ organizationId, seq, hash, prevHash, event }: StoredEvent): OcsfApiActivity {
  const activityId = ocsfActivityId(event.action);
  const { actor, resource } = event;
  return {
    class_uid: 6003,
    class_name: 'API Activity',
    category_uid: 6,
    category_name: 'Application Activity',
    activity_id: activityId,
    activity_name: ACTIVITY_NAMES[activityId],
    type_uid: 600300 + activityId,
    severity_id: 1,
    severity: 'Informational',
    status_id: event.status === 'success' ? 1 : 2,
    status: event.status === 'success' ? 'Success' : 'Failure',
    ...(event.reason && { status_detail: event.reason }),
    time: Date.parse(event.occurredAt),
    metadata: {
      version: OCSF_VERSION,
      uid: event.id,
      tenant_uid: organizationId,
      sequence: seq,
      log_name: 'audit.events.v1',
      product: { name: 'Audit pipeline', vendor_name: 'audit-pipeline' },
      ...(event.requestId && { correlation_uid: event.requestId }),
    },
    actor: {
      user: { uid: actor.id, ...(actor.name && { name: actor.name }), ...(actor.email && { email_addr: actor.email }), ...USER_TYPES[actor.type] },
      ...(event.sessionId && { session: { uid: event.sessionId } }),
    },
    api: { operation: event.action, ...(event.requestId && { request: { uid: event.requestId } }) },
    src_endpoint: actor.ip ? { ip: actor.ip } : {},
    ...(actor.userAgent && { http_request: { user_agent: actor.userAgent } }),
    resources: [{ type: resource.type, uid: resource.id, ...(resource.name && { name: resource.name }) }],
    unmapped: {
      chain_hash: hash,
      chain_prev_hash: prevHash,
      actor_type: actor.type,
      ...(event.changes && { changes: event.changes }),
      ...(event.metadata && { metadata: event.metadata }),
    },
  };
}
