import type { ChainedColumns } from '../src/event-chain';

/**
 * The stored columns of test event `index`, as the chain hashes them (the one stored-row fixture of
 * the integrity specs and of `@audit/testing`'s verified exports): event `index` of `org_a`, a
 * second after event `index - 1`, about a resource of its own. `overrides` set what a test is about.
 */
export function chainedColumns(index: number, overrides: Partial<ChainedColumns> = {}): ChainedColumns {
  return {
    organization_id: 'org_a',
    event_id: `0190a000-0000-7000-8000-${String(index).padStart(12, '0')}`,
    occurred_at: `2026-11-25 10:00:${String(index % 60).padStart(2, '0')}.000`,
    actor_id: 'user_1',
    actor_type: 'user',
    actor_name: '',
    actor_email: 'ada@example.com',
    actor_ip: '',
    actor_user_agent: '',
    action: 'update',
    resource_type: 'Member',
    resource_id: `member_${index}`,
    resource_name: '',
    status: 'success',
    reason: '',
    request_id: '',
    session_id: '',
    changes: '',
    metadata: '',
    schema_version: 1,
    ...overrides,
  };
}
