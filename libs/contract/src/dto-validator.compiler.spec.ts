import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsOptional, IsString, MaxLength, ValidateIf, ValidateNested, isEmail, length, matches, maxLength } from 'class-validator';
import fc from 'fast-check';
import { validateAuditEvent, validateAuditEventWithClassValidator, type ValidationResult } from './audit-event';
import { compileDtoValidator, constraintShortcut } from './dto-validator.compiler';
import { makeAuditEvent } from './fixtures';
import { ACTION_PATTERN, ACTOR_TYPES, STATUSES } from './limits';
import { uuidv7 } from './uuid-v7';

const NOW = Date.now();
const validEvent = makeAuditEvent();

/**
 * Keys named after Object.prototype members are where class-transformer and class-validator go
 * wrong (`{ hasOwnProperty: 1 }` passes their whitelist); the compiled validator reports them as
 * unknown fields (tested below), so the corpus leaves them out of the comparison.
 */
const PROTOTYPE_KEYS = new RegExp(`"(${Object.getOwnPropertyNames(Object.prototype).join('|')})"`);
const anyJson = fc.jsonValue({ maxDepth: 2 }).filter((value) => !PROTOTYPE_KEYS.test(JSON.stringify(value) ?? ''));

const edgeStrings = fc.constantFrom(
  '',
  'a',
  'Member',
  'role.change',
  'user',
  'success',
  'failure',
  'x'.repeat(64),
  'x'.repeat(65),
  'x'.repeat(128),
  'x'.repeat(129),
  'x'.repeat(256),
  'x'.repeat(257),
  'x'.repeat(1025),
  'x'.repeat(4097),
  'line\r\nforged',
  'nul\u0000',
  'c1\u0085',
  'é',
  '2026-01-01T00:00:00Z',
  '2026-01-01T00:00:00',
  '203.0.113.7',
  '2001:db8::1',
  'ada@acme.test',
  'not an email',
);

/** Mostly the valid arbitrary (about 1 in 10 fields is not), sometimes an edge value, any JSON, or the field left out. */
function mutated<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 30, arbitrary: valid },
    { weight: 1, arbitrary: edgeStrings },
    { weight: 1, arbitrary: anyJson },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

/** Builds an object from field arbitraries, dropping undefined; with `unknownKeys`, sometimes adds one. */
function objectOf(fields: Record<string, fc.Arbitrary<unknown>>, unknownKeys: boolean): fc.Arbitrary<Record<string, unknown>> {
  const unknown = fc.tuple(fc.constantFrom('extra', 'role', 'Id', 'x_1'), anyJson);
  const extras = unknownKeys ? fc.oneof({ weight: 15, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: unknown }) : fc.constant(undefined);
  return fc.tuple(fc.record(fields), extras).map(([values, extra]) => {
    const object = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
    if (extra) object[extra[0]] = extra[1];
    return object;
  });
}

const text = (max: number) => fc.string({ minLength: 1, maxLength: max });
const scalar = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), text(12));

/** Valid events, or (`mutate`) events where some fields, keys and unknown fields break the rules. */
function events(mutate: boolean): fc.Arbitrary<Record<string, unknown>> {
  const field = mutate ? mutated : <T>(valid: fc.Arbitrary<T>) => valid;
  const metadataKey = fc.stringMatching(/^[A-Za-z0-9_.-]{1,8}$/).filter((key) => !(key in Object.prototype));
  const badMetadataKey = fc.constantFrom('a b', 'x'.repeat(65), 'é');
  const actor = objectOf({
    id: field(text(20)),
    type: field(fc.constantFrom(...ACTOR_TYPES)),
    name: fc.option(field(text(30)), { nil: undefined }),
    email: fc.option(field(fc.emailAddress()), { nil: undefined }),
    ip: fc.option(field(fc.oneof(fc.ipV4(), fc.ipV6())), { nil: undefined }),
    userAgent: fc.option(field(text(40)), { nil: undefined }),
  }, mutate);

  const resource = objectOf({
    type: field(fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,12}$/)),
    id: field(text(20)),
    name: fc.option(field(text(30)), { nil: undefined }),
  }, mutate);

  const change = objectOf({ field: field(text(12)), before: field(scalar), after: field(scalar) }, mutate);

  return objectOf({
    id: field(fc.integer({ min: Date.UTC(2001, 0, 1), max: NOW }).map((ms) => uuidv7(ms))),
    occurredAt: field(fc.oneof(fc.integer({ min: Date.UTC(2000, 0, 1), max: NOW - 60_000 }), fc.integer({ min: Date.UTC(2000, 0, 1), max: NOW - 60_000 }).map((ms) => new Date(ms).toISOString()))),
    organizationId: field(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,15}$/)),
    actor: field(actor),
    action: field(fc.stringMatching(ACTION_PATTERN).filter((action) => action.length <= 64)),
    resource: field(resource),
    status: field(fc.constantFrom(...STATUSES)),
    reason: fc.option(field(text(30)), { nil: undefined }),
    requestId: fc.option(field(text(30)), { nil: undefined }),
    sessionId: fc.option(field(text(30)), { nil: undefined }),
    changes: fc.option(field(fc.array(field(change), { maxLength: 4 })), { nil: undefined }),
    metadata: fc.option(field(fc.dictionary(mutate ? fc.oneof({ weight: 20, arbitrary: metadataKey }, { weight: 1, arbitrary: badMetadataKey }) : metadataKey, field(scalar), { maxKeys: 5, noNullPrototype: true })), { nil: undefined }),
    schemaVersion: field(fc.constant(1)),
  }, mutate);
}

/** Half valid events, half with about one field in ten replaced by an edge value, any JSON, or nothing. */
const event = fc.oneof(events(false), events(true));

const summary = (result: ValidationResult) =>
  result.ok ? 'valid' : result.violations.map((v) => `${v.field} | ${v.rule} | ${v.message}`).sort();

describe('the compiled validator', () => {
  it('agrees with class-transformer + class-validator on verdict, fields, rules and messages over generated events', () => {
    let invalid = 0;
    fc.assert(
      fc.property(event, (input) => {
        const compiled = validateAuditEvent(input, NOW);
        if (!compiled.ok) invalid += 1;
        expect(summary(compiled)).toEqual(summary(validateAuditEventWithClassValidator(input, NOW)));
      }),
      { numRuns: 600 },
    );
    // A corpus of only valid or only invalid events would prove little.
    expect(invalid).toBeGreaterThan(150);
    expect(invalid).toBeLessThan(500);
  });

  it('agrees on many-violation events (every field replaced by arbitrary JSON)', () => {
    const chaos = fc.dictionary(fc.constantFrom('id', 'occurredAt', 'organizationId', 'actor', 'action', 'resource', 'status', 'changes', 'metadata', 'schemaVersion', 'extra'), anyJson, { noNullPrototype: true });
    fc.assert(
      fc.property(chaos, (input) => {
        expect(summary(validateAuditEvent(input, NOW))).toEqual(summary(validateAuditEventWithClassValidator(input, NOW)));
      }),
      { numRuns: 300 },
    );
  });

  describe('shortcuts only ever say "valid" where the constraint itself does', () => {
    const strings = fc.oneof(fc.string({ maxLength: 80, unit: 'grapheme' }), fc.string({ maxLength: 80, unit: 'binary' }), fc.emailAddress(), edgeStrings);
    const holds = (name: string, constraints: unknown[], constraint: (value: string) => boolean) =>
      fc.assert(
        fc.property(strings, (value) => {
          const shortcut = constraintShortcut(name, constraints);
          if (!shortcut) throw new Error(`no shortcut for ${name}`);
          if (shortcut(value)) expect(constraint(value)).toBe(true);
        }),
        { numRuns: 2_000 },
      );

    it('isLength, counting surrogate pairs as validator.js does', () => holds('isLength', [2, 10], (value) => length(value, 2, 10)));
    it('maxLength', () => holds('maxLength', [10], (value) => maxLength(value, 10)));
    it('matches', () => holds('matches', [/^[a-z]+@/], (value) => matches(value, /^[a-z]+@/)));
    it('isEmail with default options', () => holds('isEmail', [undefined], (value) => isEmail(value)));
    it('isEmail shortcut accepts the common shapes', () => {
      expect(constraintShortcut('isEmail', [undefined])?.('grace.hopper+audit@navy.example.com')).toBe(true);
    });
  });

  it('reports keys named after Object.prototype members as unknown fields', () => {
    const result = validateAuditEvent({ ...JSON.parse(JSON.stringify(validEvent)), hasOwnProperty: 1, actor: { id: 'u', type: 'user', valueOf: 2 } }, NOW);
    expect(result.ok ? [] : result.violations.map((v) => v.field)).toEqual(['hasOwnProperty', 'actor.valueOf']);
  });

  it('refuses to compile decorators it does not replicate, instead of ignoring them', () => {
    class Grouped {
      @IsString({ groups: ['admin'] })
      name!: string;
    }
    expect(() => compileDtoValidator(Grouped)).toThrow('Grouped.name: groups is not supported by the compiled validator');
  });

  it('skips a property whose @ValidateIf condition is false, as class-validator does', () => {
    class Conditional {
      @IsString()
      kind!: string;

      @ValidateIf((object: Conditional) => object.kind === 'named')
      @IsString()
      name?: string;
    }
    const check = compileDtoValidator(Conditional);
    expect(check({ kind: 'anonymous' })).toBeUndefined();
    expect(check({ kind: 'named' })).toEqual([{ field: 'name', rule: 'isString', message: 'name must be a string' }]);
  });

  it('refuses a nested property without @Type, since it could not know the class', () => {
    class Child {
      @IsString()
      name!: string;
    }
    class Parent {
      @ValidateNested()
      child!: Child;
    }
    expect(() => compileDtoValidator(Parent)).toThrow(/@Type/);
  });

  it('compiles a class that nests itself', () => {
    class Node {
      @MaxLength(3)
      label!: string;

      @IsOptional()
      @ValidateNested({ each: true })
      @Type(() => Node)
      children?: Node[];
    }
    const check = compileDtoValidator(Node);
    expect(check({ label: 'a', children: [{ label: 'b', children: [{ label: 'long' }] }] })).toEqual([
      { field: 'children.0.children.0.label', rule: 'maxLength', message: 'label must be shorter than or equal to 3 characters' },
    ]);
  });
});
