import { parseAuditEventMessage, serializeAuditEvent, validateAuditEvent, type AuditEvent, type Violation } from './audit-event';
import { makeAuditEvent } from './fixtures';
import { LIMITS } from './limits';

const NOW = Date.parse('2026-06-15T12:00:00.000Z');
const at = (iso: string) => new Date(iso).toISOString();

/** A valid event pinned to NOW, with `patch` applied (`undefined` deletes a field). */
function event(patch: Record<string, unknown> = {}): Record<string, unknown> {
  const base = makeAuditEvent({ occurredAt: at('2026-06-15T11:59:00Z') }) as unknown as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...base, requestId: 'req_1', sessionId: 'sess_1', reason: 'ok', changes: [{ field: 'role', before: 'member', after: 'admin' }], metadata: { plan: 'pro' } };
  for (const [key, value] of Object.entries(patch)) {
    if ((key === 'actor' || key === 'resource') && value !== null && typeof value === 'object') merged[key] = withDeletes({ ...(merged[key] as object), ...(value as object) });
    else merged[key] = value;
  }
  return withDeletes(merged);
}

function withDeletes(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

function violationsOf(input: unknown): Violation[] {
  const result = validateAuditEvent(input, NOW);
  return result.ok ? [] : result.violations;
}

const s = (n: number, char = 'a') => char.repeat(n);

/** [rule, field, valid patch, invalid patch, expected rule of the violation] */
const RULES: Array<[string, string, Record<string, unknown>, Record<string, unknown>, string]> = [
  ['id is a UUID', 'id', { id: '0190F3A2-7B1C-7DEF-8ABC-0123456789AB' }, { id: 'not-a-uuid' }, 'matches'],
  ['id is required', 'id', { id: '0190f3a2-7b1c-7def-8abc-0123456789ab' }, { id: undefined }, 'isString'],
  ['occurredAt ISO with Z', 'occurredAt', { occurredAt: '2026-06-15T11:00:00.123Z' }, { occurredAt: '2026-06-15T11:00:00.123' }, 'isOccurredAt'],
  ['occurredAt ISO with an offset', 'occurredAt', { occurredAt: '2026-06-15T13:00:00+02:00' }, { occurredAt: '2026-06-15 11:00:00Z' }, 'isOccurredAt'],
  ['occurredAt epoch milliseconds', 'occurredAt', { occurredAt: NOW - 1_000 }, { occurredAt: Math.floor((NOW - 1_000) / 1000) }, 'isOccurredAt'],
  ['occurredAt integer milliseconds', 'occurredAt', { occurredAt: NOW }, { occurredAt: NOW + 0.5 }, 'isOccurredAt'],
  ['occurredAt is a real calendar date', 'occurredAt', { occurredAt: '2024-02-29T10:00:00Z' }, { occurredAt: '2026-02-29T10:00:00Z' }, 'isOccurredAt'],
  ['occurredAt is a real time of day', 'occurredAt', { occurredAt: '2026-06-15T00:00:00Z' }, { occurredAt: '2026-06-14T24:00:00Z' }, 'isOccurredAt'],
  ['occurredAt not before 2000', 'occurredAt', { occurredAt: '2000-01-01T00:00:00.000Z' }, { occurredAt: '1999-12-31T23:59:59.999Z' }, 'isOccurredAt'],
  ['occurredAt at most one hour ahead', 'occurredAt', { occurredAt: NOW + LIMITS.maxClockSkewMs }, { occurredAt: NOW + LIMITS.maxClockSkewMs + 1 }, 'isOccurredAt'],
  ['organizationId length', 'organizationId', { organizationId: s(LIMITS.organizationIdLength) }, { organizationId: s(LIMITS.organizationIdLength + 1) }, 'isLength'],
  ['organizationId not empty', 'organizationId', { organizationId: 'o' }, { organizationId: '' }, 'isLength'],
  ['organizationId characters', 'organizationId', { organizationId: 'org_1.eu:prod-2' }, { organizationId: '-org' }, 'matches'],
  ['actor.id length', 'actor.id', { actor: { id: s(LIMITS.actorIdLength) } }, { actor: { id: s(LIMITS.actorIdLength + 1) } }, 'isLength'],
  ['actor.id not empty', 'actor.id', { actor: { id: 'u' } }, { actor: { id: '' } }, 'isLength'],
  ['actor.type', 'actor.type', { actor: { type: 'service' } }, { actor: { type: 'robot' } }, 'isIn'],
  ['actor.name length', 'actor.name', { actor: { name: s(LIMITS.actorNameLength) } }, { actor: { name: s(LIMITS.actorNameLength + 1) } }, 'maxLength'],
  ['actor.email format', 'actor.email', { actor: { email: 'grace.hopper+audit@navy.example.com' } }, { actor: { email: 'grace@' } }, 'isEmail'],
  ['actor.email length', 'actor.email', { actor: { email: `${s(64)}@${s(63)}.${s(63)}.${s(50)}.com` } }, { actor: { email: `${s(64)}@${s(63)}.${s(63)}.${s(63)}.com` } }, 'maxLength'],
  ['actor.ip v4', 'actor.ip', { actor: { ip: '198.51.100.23' } }, { actor: { ip: '999.1.1.1' } }, 'isIp'],
  ['actor.ip v6', 'actor.ip', { actor: { ip: '2001:db8::1' } }, { actor: { ip: '2001:db8:::1' } }, 'isIp'],
  ['actor.userAgent length', 'actor.userAgent', { actor: { userAgent: s(LIMITS.userAgentLength) } }, { actor: { userAgent: s(LIMITS.userAgentLength + 1) } }, 'maxLength'],
  ['action pattern', 'action', { action: 'role.change' }, { action: 'Role.Change' }, 'matches'],
  ['action with underscores', 'action', { action: 'login_failed' }, { action: 'role..change' }, 'matches'],
  ['action length', 'action', { action: s(LIMITS.actionLength) }, { action: s(LIMITS.actionLength + 1) }, 'isLength'],
  ['resource.type PascalCase', 'resource.type', { resource: { type: 'AuditLog' } }, { resource: { type: 'auditLog' } }, 'matches'],
  ['resource.type length', 'resource.type', { resource: { type: `A${s(LIMITS.resourceTypeLength - 1)}` } }, { resource: { type: `A${s(LIMITS.resourceTypeLength)}` } }, 'isLength'],
  ['resource.id length', 'resource.id', { resource: { id: s(LIMITS.resourceIdLength) } }, { resource: { id: s(LIMITS.resourceIdLength + 1) } }, 'isLength'],
  ['resource.name length', 'resource.name', { resource: { name: s(LIMITS.resourceNameLength) } }, { resource: { name: s(LIMITS.resourceNameLength + 1) } }, 'maxLength'],
  ['status', 'status', { status: 'failure' }, { status: 'ok' }, 'isIn'],
  ['reason length', 'reason', { reason: s(LIMITS.reasonLength) }, { reason: s(LIMITS.reasonLength + 1) }, 'maxLength'],
  ['requestId length', 'requestId', { requestId: s(LIMITS.correlationIdLength) }, { requestId: s(LIMITS.correlationIdLength + 1) }, 'isLength'],
  ['requestId not empty', 'requestId', { requestId: 'r' }, { requestId: '' }, 'isLength'],
  ['sessionId length', 'sessionId', { sessionId: s(LIMITS.correlationIdLength) }, { sessionId: s(LIMITS.correlationIdLength + 1) }, 'isLength'],
  ['changes count', 'changes', { changes: Array.from({ length: LIMITS.maxChanges }, (_, i) => ({ field: `f${i}`, before: i, after: i + 1 })) }, { changes: Array.from({ length: LIMITS.maxChanges + 1 }, (_, i) => ({ field: `f${i}`, before: i, after: i + 1 })) }, 'arrayMaxSize'],
  ['changes is a list', 'changes', { changes: [] }, { changes: { field: 'a', before: 1, after: 2 } }, 'isArray'],
  ['changes items are objects', 'changes', { changes: [{ field: 'a', before: 1, after: 2 }] }, { changes: [[{ field: 'a', before: 1, after: 2 }]] }, 'isObject'],
  ['change field length', 'changes.0.field', { changes: [{ field: s(LIMITS.changeFieldLength), before: 1, after: 2 }] }, { changes: [{ field: '', before: 1, after: 2 }] }, 'isLength'],
  ['change values are scalars', 'changes.2.after', { changes: [0, 1, 2].map((i) => ({ field: `f${i}`, before: null, after: true })) }, { changes: [0, 1, 2].map((i) => ({ field: `f${i}`, before: null, after: i === 2 ? { nested: 1 } : 1 })) }, 'isChangeValue'],
  ['change string values are bounded', 'changes.0.before', { changes: [{ field: 'a', before: s(LIMITS.changeValueLength), after: 'x' }] }, { changes: [{ field: 'a', before: s(LIMITS.changeValueLength + 1), after: 'x' }] }, 'isChangeValue'],
  ['metadata is flat', 'metadata', { metadata: { a: 'x', b: 1.5, c: true } }, { metadata: { a: { b: 1 } } }, 'isFlatMetadata'],
  ['metadata has no lists', 'metadata', { metadata: { a: 1 } }, { metadata: { a: [1] } }, 'isFlatMetadata'],
  ['metadata is an object', 'metadata', { metadata: {} }, { metadata: ['a'] }, 'isFlatMetadata'],
  ['metadata key count', 'metadata', { metadata: Object.fromEntries(Array.from({ length: LIMITS.maxMetadataKeys }, (_, i) => [`k${i}`, i])) }, { metadata: Object.fromEntries(Array.from({ length: LIMITS.maxMetadataKeys + 1 }, (_, i) => [`k${i}`, i])) }, 'isFlatMetadata'],
  ['metadata key characters', 'metadata', { metadata: { 'plan.tier_2-x': 1 } }, { metadata: { 'plan tier': 1 } }, 'isFlatMetadata'],
  ['metadata key length', 'metadata', { metadata: { [s(LIMITS.metadataKeyLength)]: 1 } }, { metadata: { [s(LIMITS.metadataKeyLength + 1)]: 1 } }, 'isFlatMetadata'],
  ['metadata string value length', 'metadata', { metadata: { a: s(LIMITS.metadataValueLength) } }, { metadata: { a: s(LIMITS.metadataValueLength + 1) } }, 'isFlatMetadata'],
  ['metadata numbers are safe', 'metadata', { metadata: { a: 2 ** 53 - 1 } }, { metadata: { a: 2 ** 60 } }, 'isFlatMetadata'],
  ['schemaVersion', 'schemaVersion', { schemaVersion: 1 }, { schemaVersion: 2 }, 'equals'],
  ['schemaVersion is required', 'schemaVersion', { schemaVersion: 1 }, { schemaVersion: undefined }, 'equals'],
  ['actor is an object', 'actor', {}, { actor: 'user_1' }, 'isObject'],
  ['resource is required', 'resource', {}, { resource: null }, 'isObject'],
];

describe('the v1 contract', () => {
  it.each(RULES)('%s: accepts the valid case and names %s in the invalid one', (_rule, field, valid, invalid, rule) => {
    expect(violationsOf(event(valid))).toEqual([]);
    const violations = violationsOf(event(invalid));
    expect(violations).toContainEqual(expect.objectContaining({ field, rule }));
    expect(violations.every((v) => v.field === field || v.field.startsWith(`${field}.`))).toBe(true);
  });

  const STRING_FIELDS: Array<[string, Record<string, unknown>]> = [
    ['actor.id', { actor: { id: 'u\r\nforged' } }],
    ['actor.name', { actor: { name: 'Ada\nLovelace' } }],
    ['actor.userAgent', { actor: { userAgent: 'curl\r' } }],
    ['resource.id', { resource: { id: 'm\u0000' } }],
    ['resource.name', { resource: { name: 'Grace\u0085' } }],
    ['reason', { reason: 'denied\r\n200 OK' }],
    ['requestId', { requestId: 'req\n' }],
    ['sessionId', { sessionId: '\u001bsess' }],
    ['actor.name', { actor: { id: 'u', type: 'user', name: 'half \ud83e emoji' } }],
    ['resource.name', { resource: { type: 'Member', id: 'm', name: '\udc00 low half' } }],
    ['reason', { reason: 'line\u2028separator' }],
    ['changes.0.field', { changes: [{ field: 'role\n', before: 1, after: 2 }] }],
  ];
  it.each(STRING_FIELDS)('rejects control characters (CR/LF among them) in %s', (field, patch) => {
    expect(violationsOf(event(patch))).toEqual([expect.objectContaining({ field, rule: 'noControlCharacters' })]);
  });

  it.each([
    ['changes.0.after', { changes: [{ field: 'a', before: 1, after: 'x\r\ny' }] }, 'isChangeValue'],
    ['metadata', { metadata: { note: 'a\nb' } }, 'isFlatMetadata'],
    ['organizationId', { organizationId: 'org\n' }, 'matches'],
    ['action', { action: 'update\r\n' }, 'matches'],
  ])('rejects control characters in %s through its own rule', (field, patch, rule) => {
    expect(violationsOf(event(patch))).toContainEqual(expect.objectContaining({ field, rule }));
  });

  it.each([
    ['at the top level', { extra: 1 }, 'extra'],
    ['in actor', { actor: { role: 'admin' } }, 'actor.role'],
    ['in resource', { resource: { owner: 'x' } }, 'resource.owner'],
    ['in a change', { changes: [{ field: 'a', before: 1, after: 2 }, { field: 'b', before: 1, after: 2, by: 'x' }] }, 'changes.1.by'],
  ])('rejects an unknown field %s, naming its path', (_where, patch, field) => {
    expect(violationsOf(event(patch))).toEqual([{ field, rule: 'unknownField', message: `${field} is not a field of the v1 audit event` }]);
  });

  it('lists every violation at once', () => {
    const fields = violationsOf(event({ id: 'x', action: 'X', status: 'ok', actor: { email: 'nope' }, changes: [{ field: 'a', before: 1, after: {} }], extra: true })).map((v) => v.field);
    expect(new Set(fields)).toEqual(new Set(['id', 'action', 'status', 'actor.email', 'changes.0.after', 'extra']));
  });

  it.each([null, 'event', 42, [makeAuditEvent()]])('rejects %p as not an object', (input) => {
    expect(violationsOf(input)).toEqual([{ field: '$', rule: 'isObject', message: 'an audit event must be a JSON object' }]);
  });

  it('returns the typed event normalised: lowercase id, occurredAt in UTC milliseconds, null optionals dropped', () => {
    const result = validateAuditEvent(event({ id: '0190F3A2-7B1C-7DEF-8ABC-0123456789AB', occurredAt: '2026-06-15T13:00:00+02:00', reason: null, metadata: null }), NOW);
    expect(result.ok && result.event).toMatchObject({ id: '0190f3a2-7b1c-7def-8abc-0123456789ab', occurredAt: '2026-06-15T11:00:00.000Z' });
    expect(result.ok && 'reason' in result.event).toBe(false);
    expect(result.ok && 'metadata' in result.event).toBe(false);
  });

  it('serializes in the stable wire order whatever the input order', () => {
    const valid = validateAuditEvent(event(), NOW);
    if (!valid.ok) throw new Error('fixture is invalid');
    const reversed = Object.fromEntries(Object.entries(valid.event).reverse()) as unknown as AuditEvent;
    expect(serializeAuditEvent(reversed)).toBe(serializeAuditEvent(valid.event));
    expect(Object.keys(JSON.parse(serializeAuditEvent(reversed)))).toEqual([
      'id', 'occurredAt', 'organizationId', 'actor', 'action', 'resource', 'status', 'reason', 'requestId', 'sessionId', 'changes', 'metadata', 'schemaVersion',
    ]);
  });
});

describe('parseAuditEventMessage', () => {
  const message = (value: unknown) => Buffer.from(JSON.stringify(value));
  const ruleOf = (value: Buffer | null) => {
    const result = parseAuditEventMessage(value, NOW);
    return result.ok ? 'ok' : result.violations.map((v) => `${v.field}:${v.rule}`).join(',');
  };

  it('accepts a valid message', () => {
    expect(ruleOf(message(event()))).toBe('ok');
  });

  it('accepts a message of exactly the size limit and refuses one byte more', () => {
    const json = message(event());
    const padded = (bytes: number) => Buffer.concat([json, Buffer.alloc(bytes - json.length, ' ')]);
    expect(ruleOf(padded(LIMITS.maxEventBytes))).toBe('ok');
    expect(ruleOf(padded(LIMITS.maxEventBytes + 1))).toBe('$:maxEventBytes');
  });

  it('refuses an empty message', () => {
    expect(ruleOf(null)).toBe('$:notEmpty');
    expect(ruleOf(Buffer.alloc(0))).toBe('$:notEmpty');
  });

  it('refuses invalid UTF-8', () => {
    const valid = message(event({ reason: 'ééé' }));
    const index = valid.indexOf(Buffer.from('é'));
    const broken = Buffer.from(valid);
    broken[index + 1] = 0x41;
    expect(ruleOf(broken)).toBe('$:utf8');
  });

  it('refuses text that is not JSON', () => {
    expect(ruleOf(Buffer.from('{"id": '))).toBe('$:json');
  });

  it('refuses JSON that is not an object', () => {
    expect(ruleOf(Buffer.from('[1,2]'))).toBe('$:isObject');
  });

  it('names nested violations inside a message', () => {
    expect(ruleOf(message(event({ actor: { email: 'x' } })))).toBe('actor.email:isEmail');
  });
});
