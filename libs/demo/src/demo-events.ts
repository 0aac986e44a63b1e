import { uuidv7, type AuditEvent } from '@audit/contract';

/**
 * Realistic audit events of a small clinic's organization, for the console's demo traffic
 * (`npm start`) and its browser tests. Event `n` is always the same apart from its id and time,
 * so tests derive their expectations from the generated events themselves.
 */
export const DEMO_PEOPLE = [
  { id: 'user_ada', name: 'Ada Lovelace', email: 'ada@demo.test' },
  { id: 'user_grace', name: 'Grace Hopper', email: 'grace@demo.test' },
  { id: 'user_alan', name: 'Alan Turing', email: 'alan@demo.test' },
] as const;

const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
];
const PATIENTS = ['Mary Shelley', 'Charles Babbage', 'Emmy Noether', 'Marie Curie', 'Alan Kay'];
const ROLES = ['member', 'admin', 'owner'];

type Scenario = (n: number) => Pick<AuditEvent, 'action' | 'resource'> & Partial<Pick<AuditEvent, 'changes' | 'metadata' | 'reason'>>;

const SCENARIOS: Scenario[] = [
  (n) => ({ action: 'invite', resource: { type: 'Member', id: `member_${1000 + n}`, name: `new.hire${n}@demo.test` }, metadata: { invitedRole: 'member', via: 'email' } }),
  (n) => ({ action: 'login', resource: { type: 'Session', id: `sess_${(n * 104729).toString(36)}` }, metadata: { method: n % 2 ? 'password' : 'sso', mfa: n % 3 !== 0 } }),
  (n) => ({ action: 'view', resource: { type: 'Patient', id: `pat_${200 + (n % 5)}`, name: PATIENTS[n % 5] }, metadata: { section: 'chart', durationMs: 1200 + n * 37 } }),
  (n) => ({
    action: 'role.change',
    resource: { type: 'Member', id: `member_${100 + (n % 7)}`, name: `${DEMO_PEOPLE[(n + 1) % 3].name}` },
    changes: [{ field: 'role', before: ROLES[n % 2], after: ROLES[(n % 2) + 1] }],
    metadata: { ticket: `SEC-${4000 + n}` },
  }),
  (n) => ({
    action: 'update',
    resource: { type: 'Organization', id: 'org_settings', name: 'Northwind Clinic' },
    changes: [
      { field: 'sessionTimeoutMinutes', before: 30, after: 15 + (n % 4) * 5 },
      { field: 'requireMfa', before: false, after: true },
    ],
  }),
  (n) => ({ action: 'view', resource: { type: 'Session', id: `sess_${(n * 7919).toString(36)}`, name: 'Session transcript' }, metadata: { transcript: true } }),
];

/** Event `n` of the demo organization at `occurredAt`; one in ten is a failure with a reason. */
export function demoEvent(organizationId: string, n: number, occurredAt: Date): AuditEvent {
  const person = DEMO_PEOPLE[n % DEMO_PEOPLE.length];
  const failed = n % 10 === 7;
  return {
    id: uuidv7(occurredAt.getTime()),
    occurredAt: occurredAt.toISOString(),
    organizationId,
    actor: { ...person, type: 'user', ip: `203.0.113.${(n % 250) + 1}`, userAgent: USER_AGENTS[n % USER_AGENTS.length] },
    ...SCENARIOS[n % SCENARIOS.length](n),
    status: failed ? 'failure' : 'success',
    ...(failed && { reason: 'permission denied: the role lacks this permission' }),
    requestId: `req_${(n * 2654435761).toString(16).slice(-10)}`,
    sessionId: `sess_${person.id.slice(5)}_${Math.floor(n / 20)}`,
    schemaVersion: 1,
  };
}
