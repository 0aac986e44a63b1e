import type { AuditEvent } from './audit-event';
import { uuidv7 } from './uuid-v7';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/**
 * A valid event with realistic values, for tests and examples. Nested objects in `overrides`
 * are merged, so `makeAuditEvent({ actor: { email: 'x@y.z' } })` keeps the actor's id and type.
 */
export function makeAuditEvent(overrides: DeepPartial<AuditEvent> = {}): AuditEvent {
  const occurredAt = overrides.occurredAt ?? new Date().toISOString();
  const { actor, resource, ...rest } = overrides;
  return {
    id: uuidv7(Date.parse(occurredAt)),
    occurredAt,
    organizationId: 'org_acme',
    action: 'update',
    status: 'success',
    schemaVersion: 1,
    ...rest,
    actor: { id: 'user_1', type: 'user', name: 'Ada Lovelace', email: 'ada@acme.test', ip: '203.0.113.7', ...actor },
    resource: { type: 'Member', id: 'member_42', name: 'Grace Hopper', ...resource },
  } as AuditEvent;
}
