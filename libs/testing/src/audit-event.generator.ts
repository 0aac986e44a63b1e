import { makeAuditEvent, type AuditEvent } from '@audit/contract';

const ACTIONS = ['create', 'update', 'delete', 'view', 'login', 'invite', 'role.change', 'export'];
const RESOURCE_TYPES = ['Member', 'Organization', 'Session', 'Patient', 'ApiKey'];

export interface GeneratedEventOptions {
  /** Tenants the events spread over (`org_0`…): the Kafka key, so also the partitions. */
  organizations?: number;
  /** Distinct actors, spread over the tenants. */
  actors?: number;
  occurredAt?: string;
}

/**
 * Event `index` of a realistic stream, the one generator of tests and benchmarks: tenants and
 * actors taken in turn, a resource of its own, a change on every second event, metadata on every
 * third, a failure every twentieth. Event `index` is always the same apart from its id and time.
 */
export function generatedEvent(index: number, { organizations = 200, actors = 5000, occurredAt }: GeneratedEventOptions = {}): AuditEvent {
  const organization = index % organizations;
  const actor = index % actors;
  const failed = index % 20 === 19;
  return makeAuditEvent({
    ...(occurredAt && { occurredAt }),
    organizationId: `org_${organization}`,
    action: ACTIONS[index % ACTIONS.length],
    status: failed ? 'failure' : 'success',
    ...(failed && { reason: 'permission denied' }),
    actor: { id: `user_${actor}`, name: `User ${actor}`, email: `user${actor}@tenant${organization}.example.com`, ip: `10.0.${index % 256}.${(index * 7) % 256}` },
    resource: { type: RESOURCE_TYPES[index % RESOURCE_TYPES.length], id: `res_${index}`, name: `Resource ${index}` },
    requestId: `req_${index}`,
    ...(index % 2 === 0 && { changes: [{ field: 'role', before: 'member', after: 'admin' }] }),
    ...(index % 3 === 0 && { metadata: { plan: 'enterprise', seats: 25, sso: true } }),
  });
}

/** `count` generated events over `organizations` tenants, a millisecond apart, starting a minute ago. */
export function makeEvents(count: number, organizations = 7): AuditEvent[] {
  const base = Date.now() - 60_000;
  return Array.from({ length: count }, (_, index) => generatedEvent(index, { organizations, occurredAt: new Date(base + index).toISOString() }));
}
