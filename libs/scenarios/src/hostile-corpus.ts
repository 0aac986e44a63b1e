// A seeded corpus of hostile messages mixed with valid events (issue #9, part 2): every case names
// what the ingestor must do with it, `stored` or the dead-letter reason it must carry.
import { LIMITS, serializeAuditEvent, type AuditEvent } from '@audit/contract';
import type { DeadLetterReason } from '@audit/ingest';
import type { Message } from 'kafkajs';
import { SeededRandom } from './seeded-random';

export type Expected = 'stored' | DeadLetterReason;

/** The header that carries each message's case name through to its dead letter. */
export const CASE_HEADER = 'x-reliability-case';

type Json = Record<string, unknown>;
type Value = Buffer | string | null;

interface HostileCase {
  kind: string;
  expected: Expected;
  /** How often it appears relative to the other cases of its group. */
  weight?: number;
  make(event: Json, random: SeededRandom): Value;
}

const text = (event: Json) => JSON.stringify(event);
const patch = (event: Json, changes: Json): Json => ({ ...event, ...changes });
const nested = (event: Json, key: 'actor' | 'resource', changes: Json): Json => ({ ...event, [key]: { ...(event[key] as Json), ...changes } });
const without = (event: Json, key: string): Json => Object.fromEntries(Object.entries(event).filter(([name]) => name !== key));
const withoutNested = (event: Json, key: 'actor' | 'resource', field: string): Json => ({ ...event, [key]: without(event[key] as Json, field) });
/** JSON text with one value spelled raw (numbers JSON.stringify cannot write, like 1e400). */
const raw = (event: Json, set: (event: Json, marker: string) => Json, literal: string) => text(set(event, '\u0000RAW\u0000')).replace('"\\u0000RAW\\u0000"', literal);
const utf8With = (event: Json, bytes: number[]) => {
  const [head, tail] = text(nested(event, 'actor', { name: '\u0000SPLIT\u0000' })).split('\\u0000SPLIT\\u0000');
  return Buffer.concat([Buffer.from(head), Buffer.from(bytes), Buffer.from(tail)]);
};
const deep = (depth: number, leaf: unknown): unknown => {
  let value = leaf;
  for (let level = 0; level < depth; level += 1) value = { a: value };
  return value;
};
const keys = (count: number, value: (index: number) => unknown) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${index}`, value(index)]));
const CONTROLS = ['\u0000', '\u0007', '\b', '\t', '\u000b', '\f', '\u001b[31m', '\u007f', '\u0085', '\u009b'];
const STRING_FIELDS: Array<(event: Json, value: string) => Json> = [
  (event, value) => nested(event, 'actor', { name: `Ada${value}Lovelace` }),
  (event, value) => nested(event, 'actor', { id: `user${value}1` }),
  (event, value) => nested(event, 'actor', { userAgent: `Mozilla/5.0${value}` }),
  (event, value) => nested(event, 'resource', { name: `Grace${value}Hopper` }),
  (event, value) => nested(event, 'resource', { id: `member${value}42` }),
  (event, value) => patch(event, { status: 'failure', reason: `denied${value}` }),
  (event, value) => patch(event, { requestId: `req${value}1` }),
  (event, value) => patch(event, { metadata: { plan: `pro${value}` } }),
  (event, value) => patch(event, { changes: [{ field: 'role', before: 'member', after: `admin${value}` }] }),
];
const INJECTIONS = ['\r\n', '\n', '\r', '\r\nFAKE 2026-11-25T00:00:00Z INFO login ok user=admin', '\n{"level":"info","msg":"forged"}'];

const VALID: HostileCase[] = [
  { kind: 'valid', expected: 'stored', weight: 12, make: text },
  { kind: 'valid-unicode', expected: 'stored', make: (event) => text(nested(nested(event, 'actor', { name: 'Zoë Ñúñez 🚀 日本語 مرحبا' }), 'resource', { name: 'Ω≈ç√∫ — 𝕳𝖊𝖑𝖑𝖔 👩‍⚕️' })) },
  {
    kind: 'valid-at-every-limit',
    expected: 'stored',
    make: (event) =>
      text(
        patch(nested(nested(event, 'actor', { name: 'n'.repeat(LIMITS.actorNameLength) }), 'resource', { name: 'r'.repeat(LIMITS.resourceNameLength) }), {
          organizationId: `o${(event.organizationId as string).padEnd(LIMITS.organizationIdLength - 1, 'x')}`,
          status: 'failure',
          reason: 'x'.repeat(LIMITS.reasonLength),
          metadata: keys(LIMITS.maxMetadataKeys, (index) => index),
        }),
      ),
  },
  { kind: 'valid-epoch-millis', expected: 'stored', make: (event) => text(patch(event, { occurredAt: Date.parse(event.occurredAt as string) })) },
  { kind: 'valid-padded-with-whitespace', expected: 'stored', make: (event) => ` \n\t${text(event)}\r\n ` },
];

const INVALID: HostileCase[] = [
  // Not JSON at all.
  { kind: 'truncated-json', expected: 'not_json', make: (event, random) => text(event).slice(0, random.int(1, text(event).length - 2)) },
  { kind: 'plain-text', expected: 'not_json', make: (_event, random) => `user ${random.int(1, 999)} logged in` },
  { kind: 'trailing-comma', expected: 'not_json', make: (event) => text(event).replace(/}$/, ',}') },
  { kind: 'single-quoted-json', expected: 'not_json', make: (event) => text(event).replace(/"/g, "'") },
  { kind: 'nan-literal', expected: 'not_json', make: (event) => raw(event, (e, marker) => patch(e, { metadata: { ratio: marker } }), 'NaN') },
  { kind: 'byte-order-mark', expected: 'not_json', make: (event) => `\uFEFF${text(event)}` },
  { kind: 'two-concatenated-events', expected: 'not_json', make: (event) => text(event) + text(event) },
  // No value.
  { kind: 'tombstone', expected: 'empty', make: () => null },
  { kind: 'empty-value', expected: 'empty', make: () => '' },
  // Not UTF-8.
  { kind: 'invalid-byte-ff', expected: 'not_utf8', make: (event) => utf8With(event, [0xff, 0xfe]) },
  { kind: 'overlong-encoding', expected: 'not_utf8', make: (event) => utf8With(event, [0xc0, 0xaf]) },
  { kind: 'utf16-surrogate-bytes', expected: 'not_utf8', make: (event) => utf8With(event, [0xed, 0xa0, 0x80]) },
  { kind: 'truncated-multibyte', expected: 'not_utf8', make: (event) => utf8With(event, [0xe2, 0x82]) },
  { kind: 'latin1-bytes', expected: 'not_utf8', make: (event) => utf8With(event, [0x5a, 0x6f, 0xeb]) },
  // Whole messages over the limit.
  { kind: 'oversize-message', expected: 'too_large', make: (event, random) => text(patch(event, { status: 'failure', reason: 'x'.repeat(LIMITS.maxEventBytes + random.int(1, 8192)) })) },
  { kind: 'oversize-whitespace-padding', expected: 'too_large', make: (event) => text(event) + ' '.repeat(LIMITS.maxEventBytes) },
  { kind: 'oversize-metadata', expected: 'too_large', make: (event) => text(patch(event, { metadata: keys(40, () => 'v'.repeat(2000)) })) },
  // Wrong types.
  ...(
    [
      ['id', 12345],
      ['organizationId', 42],
      ['occurredAt', { at: 'now' }],
      ['actor', 'user_1'],
      ['resource', ['Member', 'm1']],
      ['action', 7],
      ['status', true],
      ['metadata', ['a', 'b']],
      ['changes', { field: 'role' }],
      ['schemaVersion', '1'],
    ] as Array<[string, unknown]>
  ).map(([field, value]): HostileCase => ({ kind: `wrong-type-${field}`, expected: 'contract', make: (event) => text(patch(event, { [field]: value })) })),
  ...Object.entries({ array: '[1,2,3]', string: '"an event"', number: '42', null: 'null', boolean: 'true' }).map(
    ([name, value]): HostileCase => ({ kind: `top-level-${name}`, expected: 'contract', make: () => value }),
  ),
  // Missing fields.
  ...['id', 'occurredAt', 'organizationId', 'actor', 'action', 'resource', 'status', 'schemaVersion'].map(
    (field): HostileCase => ({ kind: `missing-${field}`, expected: 'contract', make: (event) => text(without(event, field)) }),
  ),
  { kind: 'missing-actor-id', expected: 'contract', make: (event) => text(withoutNested(event, 'actor', 'id')) },
  { kind: 'missing-actor-type', expected: 'contract', make: (event) => text(withoutNested(event, 'actor', 'type')) },
  { kind: 'missing-resource-type', expected: 'contract', make: (event) => text(withoutNested(event, 'resource', 'type')) },
  { kind: 'missing-resource-id', expected: 'contract', make: (event) => text(withoutNested(event, 'resource', 'id')) },
  // Extra fields.
  { kind: 'extra-field', expected: 'contract', make: (event) => text(patch(event, { severity: 'high' })) },
  { kind: 'extra-actor-field', expected: 'contract', make: (event) => text(nested(event, 'actor', { isAdmin: true })) },
  { kind: 'extra-resource-field', expected: 'contract', make: (event) => text(nested(event, 'resource', { owner: 'x' })) },
  { kind: 'proto-key', expected: 'contract', make: (event) => text(event).replace('{', '{"__proto__":{"isAdmin":true},') },
  { kind: 'constructor-key', expected: 'contract', make: (event) => text(event).replace('{', '{"constructor":{"prototype":{"isAdmin":true}},') },
  // Fields over their limits.
  { kind: 'oversize-organizationId', expected: 'contract', make: (event) => text(patch(event, { organizationId: 'o'.repeat(LIMITS.organizationIdLength + 1) })) },
  { kind: 'oversize-actor-name', expected: 'contract', make: (event) => text(nested(event, 'actor', { name: 'n'.repeat(LIMITS.actorNameLength + 1) })) },
  { kind: 'oversize-user-agent', expected: 'contract', make: (event) => text(nested(event, 'actor', { userAgent: 'u'.repeat(LIMITS.userAgentLength + 1) })) },
  { kind: 'oversize-resource-id', expected: 'contract', make: (event) => text(nested(event, 'resource', { id: 'r'.repeat(LIMITS.resourceIdLength + 1) })) },
  { kind: 'oversize-reason', expected: 'contract', make: (event) => text(patch(event, { status: 'failure', reason: 'x'.repeat(LIMITS.reasonLength + 1) })) },
  { kind: 'too-many-metadata-keys', expected: 'contract', make: (event) => text(patch(event, { metadata: keys(LIMITS.maxMetadataKeys + 1, (index) => index) })) },
  { kind: 'oversize-metadata-value', expected: 'contract', make: (event) => text(patch(event, { metadata: { note: 'v'.repeat(LIMITS.metadataValueLength + 1) } })) },
  { kind: 'too-many-changes', expected: 'contract', make: (event) => text(patch(event, { changes: Array.from({ length: LIMITS.maxChanges + 1 }, (_, index) => ({ field: `f${index}`, before: 0, after: 1 })) })) },
  { kind: 'oversize-change-value', expected: 'contract', make: (event) => text(patch(event, { changes: [{ field: 'bio', before: null, after: 'b'.repeat(LIMITS.changeValueLength + 1) }] })) },
  // Control characters and CR/LF injection in strings.
  { kind: 'control-character', expected: 'contract', weight: 3, make: (event, random) => text(random.pick(STRING_FIELDS)(event, random.pick(CONTROLS))) },
  { kind: 'crlf-injection', expected: 'contract', weight: 3, make: (event, random) => text(random.pick(STRING_FIELDS)(event, random.pick(INJECTIONS))) },
  // Huge numbers.
  { kind: 'occurredAt-1e308', expected: 'contract', make: (event) => text(patch(event, { occurredAt: 1e308 })) },
  { kind: 'occurredAt-beyond-2^53', expected: 'contract', make: (event) => raw(event, (e, marker) => patch(e, { occurredAt: marker }), '9007199254740993123') },
  { kind: 'occurredAt-negative', expected: 'contract', make: (event) => text(patch(event, { occurredAt: -1 })) },
  { kind: 'schemaVersion-1e400', expected: 'contract', make: (event) => raw(event, (e, marker) => patch(e, { schemaVersion: marker }), '1e400') },
  { kind: 'metadata-1e400', expected: 'contract', make: (event) => raw(event, (e, marker) => patch(e, { metadata: { n: marker } }), '1e400') },
  { kind: 'metadata-beyond-2^53', expected: 'contract', make: (event) => raw(event, (e, marker) => patch(e, { metadata: { n: marker } }), '1152921504606846976') },
  { kind: 'change-value-1e400', expected: 'contract', make: (event) => raw(event, (e, marker) => patch(e, { changes: [{ field: 'n', before: 0, after: marker }] }), '-1e400') },
  // Deep nesting.
  { kind: 'deep-metadata', expected: 'contract', make: (event, random) => text(patch(event, { metadata: { a: deep(random.int(2, 2000), 1) } })) },
  { kind: 'deep-change-value', expected: 'contract', make: (event, random) => text(patch(event, { changes: [{ field: 'x', before: deep(random.int(2, 2000), 'y'), after: null }] })) },
  { kind: 'deep-actor-id', expected: 'contract', make: (event, random) => text(nested(event, 'actor', { id: deep(random.int(2, 2000), 'u') })) },
  { kind: 'deep-array-message', expected: 'contract', make: (_event, random) => ((depth) => '['.repeat(depth) + ']'.repeat(depth))(random.int(1000, 30_000)) },
  // Wrong schema versions.
  ...[0, 2, -1, 1.5, 999, null, true, '1', 'v1'].map((version): HostileCase => ({ kind: `schemaVersion-${JSON.stringify(version)}`, expected: 'contract', make: (event) => text(patch(event, { schemaVersion: version })) })),
];

export interface CorpusMessage {
  kind: string;
  expected: Expected;
  /** The event id of a valid message (what must be stored), else undefined. */
  id?: string;
  message: Message;
}

export interface CorpusOptions {
  seed: number;
  messages: number;
  /** Share of valid events (0..1); 0.5 mixes one hostile message per valid one. */
  validShare: number;
}

function pickWeighted(random: SeededRandom, cases: HostileCase[]): HostileCase {
  const total = cases.reduce((sum, item) => sum + (item.weight ?? 1), 0);
  let roll = random.next() * total;
  for (const item of cases) {
    roll -= item.weight ?? 1;
    if (roll < 0) return item;
  }
  return cases[cases.length - 1];
}

/** A valid event with seeded content and id, as the starting point of every case. */
function seededEvent(random: SeededRandom, now: number): AuditEvent {
  const time = now - random.int(0, 86_400_000);
  const org = `org_${random.int(0, 49)}`;
  return {
    id: random.uuidv7(time),
    occurredAt: new Date(time).toISOString(),
    organizationId: org,
    actor: { id: `user_${random.int(1, 5000)}`, type: random.pick(['user', 'service', 'system'] as const), name: 'Ada Lovelace', email: `ada${random.int(1, 999)}@acme.test`, ip: '203.0.113.7' },
    action: random.pick(['create', 'update', 'delete', 'view', 'login', 'role.change']),
    resource: { type: random.pick(['Member', 'Organization', 'Session', 'Patient']), id: `res_${random.int(1, 1_000_000)}`, name: 'Grace Hopper' },
    status: 'success',
    schemaVersion: 1,
  };
}

/** The same seed gives the same messages (event times are relative to `now`). */
export function hostileCorpus({ seed, messages, validShare }: CorpusOptions, now = Date.now()): CorpusMessage[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: messages }, () => {
    const event = seededEvent(random, now);
    const item = random.next() < validShare ? pickWeighted(random, VALID) : pickWeighted(random, INVALID);
    const base = JSON.parse(serializeAuditEvent(event)) as Json;
    const value = item.make(base, random);
    // The Kafka key is the event's organization, as the producer sets it (valid cases may change it).
    const key = item.expected === 'stored' ? (JSON.parse(String(value)) as AuditEvent).organizationId : event.organizationId;
    return {
      kind: item.kind,
      expected: item.expected,
      id: item.expected === 'stored' ? event.id : undefined,
      message: { key, value, headers: { [CASE_HEADER]: item.kind } },
    };
  });
}

/** Every case name of the corpus and what must happen to it (for the report and the checks). */
export function corpusCases(): Array<{ kind: string; expected: Expected }> {
  return [...VALID, ...INVALID].map(({ kind, expected }) => ({ kind, expected }));
}
