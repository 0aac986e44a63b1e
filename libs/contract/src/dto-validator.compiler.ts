// The ambient types of two deep imports below must reach every build that includes this file.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./validator-internals.d.ts" />
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { ValidationTypes, getMetadataStorage, type MetadataStorage, type ValidationArguments } from 'class-validator';
import { ValidationUtils } from 'class-validator/cjs/validation/ValidationUtils';
import type { Violation } from './audit-event';

type ValidationMetadata = ReturnType<MetadataStorage['getTargetValidationMetadatas']>[number];
type Constructor = new (...args: never[]) => object;

/**
 * Checks a plain object against a DTO class and returns its violations, or undefined when there
 * are none. Same verdicts, fields, rules and messages as class-transformer's `plainToInstance`
 * followed by class-validator's `validateSync(…, { whitelist: true, forbidNonWhitelisted: true,
 * forbidUnknownValues: false })` (a property test holds the two together), at a fraction of the
 * cost: each class becomes one generated function that reads its properties directly and calls
 * each constraint's own validator; no instances, no ValidationError trees, no per-call arguments
 * objects (one per constraint is reused: validation is synchronous).
 */
export type DtoValidator = (input: object) => Violation[] | undefined;

/** What an unknown property is called in a violation (class-validator's `whitelistValidation`). */
export const UNKNOWN_FIELD_RULE = 'unknownField';
export const unknownFieldMessage = (field: string) => `${field} is not a field of the v1 audit event`;

interface ConstraintCheck {
  rule: string;
  each: boolean;
  /** The class-validator constraint's own implementation. */
  instance: { validate(value: unknown, args?: ValidationArguments): unknown };
  /** Answers "valid" early for common values; see SHORTCUTS. */
  shortcut?: (value: unknown) => boolean;
  args: ValidationArguments;
  message(args: ValidationArguments): string;
}

interface PropertyPlan {
  name: string;
  /** `@IsOptional()` and friends: the property is checked only when every condition holds. */
  conditions: Array<(object: object, value: unknown) => boolean>;
  /** `@IsDefined()`: checked even when a condition skips the rest. */
  defined: ConstraintCheck[];
  checks: ConstraintCheck[];
  nested?: { plan: () => ClassPlan; args: ValidationArguments; message: ValidationMetadata['message'] };
}

interface ClassPlan {
  targetName: string;
  known: Set<string>;
  properties: PropertyPlan[];
}

const SUPPORTED_TYPES = new Set<string>([
  ValidationTypes.CUSTOM_VALIDATION,
  ValidationTypes.NESTED_VALIDATION,
  ValidationTypes.CONDITIONAL_VALIDATION,
  ValidationTypes.IS_DEFINED,
]);

const plans = new WeakMap<Constructor, ClassPlan>();

/** Compiles (once per class, nested classes included) a validator from the DTO's decorators. */
export function compileDtoValidator(target: Constructor): DtoValidator {
  const check = checkerFor(planFor(target));
  return (input) => {
    const out: Violation[] = [];
    check(input as Record<string, unknown>, '', out);
    return out.length > 0 ? out : undefined;
  };
}

function planFor(target: Constructor): ClassPlan {
  let plan = plans.get(target);
  if (plan) return plan;
  plan = { targetName: target.name, known: new Set(), properties: [] };
  // Registered before filling, so a class that nests itself compiles.
  plans.set(target, plan);
  const storage = getMetadataStorage();
  const grouped = storage.groupByPropertyName(storage.getTargetValidationMetadatas(target, '', false, false, undefined));
  for (const [name, metadatas] of Object.entries(grouped)) {
    plan.known.add(name);
    const property: PropertyPlan = { name, conditions: [], defined: [], checks: [] };
    for (const metadata of metadatas) {
      assertSupported(target, metadata);
      if (metadata.type === ValidationTypes.CONDITIONAL_VALIDATION) property.conditions.push(metadata.constraints[0]);
      else if (metadata.type === ValidationTypes.NESTED_VALIDATION) property.nested = nestedPlan(target, metadata);
      else {
        const into = metadata.type === ValidationTypes.IS_DEFINED ? property.defined : property.checks;
        for (const constraint of storage.getTargetValidatorConstraints(metadata.constraintCls)) {
          if (constraint.async) throw new Error(`${target.name}.${name}: async constraint ${constraint.name} is not supported by the compiled validator`);
          into.push(constraintCheck(target, metadata, constraint.name || metadata.type, constraint.instance));
        }
      }
    }
    const rules = [...property.defined, ...property.checks].map((check) => check.rule);
    if (new Set(rules).size !== rules.length) {
      throw new Error(`${target.name}.${name}: two constraints named alike (${rules.join(', ')}); class-validator would keep only one of them`);
    }
    plan.properties.push(property);
  }
  return plan;
}

function assertSupported(target: Constructor, metadata: ValidationMetadata): void {
  const unsupported =
    (!SUPPORTED_TYPES.has(metadata.type) && `validation type ${metadata.type}`) ||
    (metadata.groups?.length && 'groups') ||
    (metadata.always !== undefined && 'always') ||
    (metadata.validateIf && 'validateIf') ||
    (metadata.context && 'context');
  if (unsupported) throw new Error(`${target.name}.${metadata.propertyName}: ${unsupported} is not supported by the compiled validator`);
}

function argumentsFor(target: Constructor, metadata: ValidationMetadata): ValidationArguments {
  return { targetName: target.name, property: metadata.propertyName, object: {}, value: undefined, constraints: metadata.constraints };
}

/**
 * Shortcuts for costly built-in constraints, by constraint name. A shortcut may only answer
 * "valid" for values the constraint itself accepts; everything else still goes to the
 * constraint, so verdicts and messages stay the constraint's (tests hold each shortcut to that).
 */
const SHORTCUTS: Record<string, (constraints: unknown[]) => ((value: unknown) => boolean) | undefined> = {
  // validator.js `matches` is `!!str.match(pattern)`: the same as `test` for a pattern without g/y.
  matches: ([pattern, modifiers]) =>
    pattern instanceof RegExp && !pattern.global && !pattern.sticky && modifiers === undefined ? (value) => typeof value === 'string' && pattern.test(value) : undefined,
  // validator.js counts a surrogate pair or a presentation sequence as one character, so the
  // counted length lies between ceil(length / 2) and length: inside the bounds whatever it is.
  isLength: ([min, max]) => {
    const low = typeof min === 'number' ? min : 0;
    const high = typeof max === 'number' ? max : Number.POSITIVE_INFINITY;
    return (value) => typeof value === 'string' && value.length <= high && (value.length + 1) >> 1 >= low;
  },
  maxLength: ([max]) => (typeof max === 'number' ? (value) => typeof value === 'string' && value.length <= max : undefined),
  // The common shape of address (ASCII, dot-atoms, LDH labels, alphabetic TLD), which validator.js's
  // default isEmail accepts; anything else (quoted, UTF-8, odd) is left to isEmail itself.
  isEmail: ([options]) => (options === undefined ? (value) => typeof value === 'string' && value.length <= 254 && COMMON_EMAIL.test(value) : undefined),
};

const COMMON_EMAIL = /^(?=[^@]{1,64}@)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

/** The shortcut a constraint gets, if any (exported for the tests that hold shortcuts to their constraint). */
export function constraintShortcut(name: string, constraints: unknown[]): ((value: unknown) => boolean) | undefined {
  return Object.hasOwn(SHORTCUTS, name) ? SHORTCUTS[name](constraints) : undefined;
}

function constraintCheck(
  target: Constructor,
  metadata: ValidationMetadata,
  rule: string,
  instance: { validate(value: unknown, args?: ValidationArguments): unknown; defaultMessage?(args?: ValidationArguments): string },
): ConstraintCheck {
  return {
    rule,
    each: metadata.each,
    instance,
    shortcut: constraintShortcut(rule, metadata.constraints ?? []),
    args: argumentsFor(target, metadata),
    // class-validator's own precedence: the decorator's message, else the constraint's default.
    message: (args) => ValidationUtils.replaceMessageSpecialTokens(metadata.message || (instance.defaultMessage ? instance.defaultMessage(args) : ''), args),
  };
}

function nestedPlan(target: Constructor, metadata: ValidationMetadata): PropertyPlan['nested'] {
  const type = defaultMetadataStorage.findTypeMetadata(target, metadata.propertyName);
  if (!type) throw new Error(`${target.name}.${metadata.propertyName}: @ValidateNested() needs @Type(() => Class) to compile`);
  if (type.options?.discriminator) throw new Error(`${target.name}.${metadata.propertyName}: @Type discriminators are not supported by the compiled validator`);
  const nestedClass = type.typeFunction() as Constructor;
  return { plan: () => planFor(nestedClass), args: argumentsFor(target, metadata), message: metadata.message };
}

type ObjectChecker = (object: Record<string, unknown>, path: string, out: Violation[]) => void;

const checkers = new WeakMap<ClassPlan, ObjectChecker>();

function checkerFor(plan: ClassPlan): ObjectChecker {
  const existing = checkers.get(plan);
  if (existing) return existing;
  // A stand-in while generating, for classes that nest themselves; it calls the real one later.
  const later: { checker?: ObjectChecker } = {};
  checkers.set(plan, (object, path, out) => (later.checker as ObjectChecker)(object, path, out));
  later.checker = generateChecker(plan);
  checkers.set(plan, later.checker);
  return later.checker;
}

/**
 * Writes the checker of one class as straight-line JavaScript: a switch over the known keys,
 * then per property its conditions, its constraints in declaration order, its nested class. The
 * functions it calls (constraints, conditions, nested checkers) are passed in, never inlined as
 * text, so the generated code holds nothing but property names (JSON-quoted) and control flow.
 */
function generateChecker(plan: ClassPlan): ObjectChecker {
  const context: unknown[] = [];
  const ref = (value: unknown) => `k${context.push(value) - 1}`;
  const body: string[] = ['for (const key in o) {'];
  if (plan.known.size > 0) body.push(`  switch (key) { ${[...plan.known].map((name) => `case ${JSON.stringify(name)}:`).join(' ')} continue; }`);
  body.push('  if (hasOwn(o, key)) unknown(path, key, out);', '}', 'let v;');
  for (const property of plan.properties) {
    const name = JSON.stringify(property.name);
    body.push(`v = o[${name}];`);
    const conditions = property.conditions.map((condition) => `${ref(condition)}(o, v)`);
    if (conditions.length > 0) body.push(`if (${conditions.join(' && ')}) {`);
    for (const check of [...property.defined, ...property.checks]) {
      const c = ref(check);
      const single = `(${c}.args.object = o, ${c}.args.value = v, ${c}.instance.validate(v, ${c}.args))`;
      const checked = check.shortcut ? `(${ref(check.shortcut)}(v) || ${single})` : single;
      body.push(`if (!${check.each ? `(Array.isArray(v) ? every(${c}, o, v) : ${checked})` : checked}) fail(out, path, ${name}, ${c});`);
    }
    if (property.nested) {
      const nested = ref(property.nested);
      const checker = ref(checkerFor(property.nested.plan()));
      body.push(
        'if (v !== undefined) {',
        `  const field = path === '' ? ${name} : path + '.' + ${name};`,
        `  if (v instanceof Object && !Array.isArray(v)) ${checker}(v, field, out); else nestedOther(${checker}, ${nested}, v, field, out);`,
        '}',
      );
    }
    if (conditions.length > 0) body.push('}');
  }
  const names = context.map((_, index) => `k${index}`);
  const factory = new Function('helpers', ...names, `const { hasOwn, unknown, fail, every, nestedOther } = helpers;\nreturn function check${plan.targetName.replace(/\W/g, '_')}(o, path, out) {\n${body.join('\n')}\n};`);
  return factory(HELPERS, ...context) as ObjectChecker;
}

const join = (path: string, name: string) => (path === '' ? name : `${path}.${name}`);

const HELPERS = {
  hasOwn: (object: object, key: string) => Object.hasOwn(object, key),
  unknown(path: string, key: string, out: Violation[]): void {
    const field = join(path, key);
    out.push({ field, rule: UNKNOWN_FIELD_RULE, message: unknownFieldMessage(field) });
  },
  fail(out: Violation[], path: string, name: string, check: ConstraintCheck): void {
    out.push({ field: join(path, name), rule: check.rule, message: check.message(check.args) });
  },
  /** `each: true` on an array: every item must pass (the arguments still carry the whole array, as in class-validator). */
  every(check: ConstraintCheck, object: object, items: unknown[]): boolean {
    check.args.object = object;
    check.args.value = items;
    for (const item of items) if (!(check.shortcut?.(item) || check.instance.validate(item, check.args))) return false;
    return true;
  },
  /** class-validator's nested rule for anything but an object: arrays are walked at any depth, other values are violations. */
  nestedOther(checker: ObjectChecker, nested: NonNullable<PropertyPlan['nested']>, value: unknown, field: string, out: Violation[]): void {
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index += 1) {
        const item: unknown = value[index];
        const itemField = `${field}.${index}`;
        if (item instanceof Object && !Array.isArray(item)) checker(item as Record<string, unknown>, itemField, out);
        else if (item !== undefined) HELPERS.nestedOther(checker, nested, item, itemField, out);
      }
    } else {
      nested.args.value = value;
      out.push({ field, rule: ValidationTypes.NESTED_VALIDATION, message: ValidationUtils.replaceMessageSpecialTokens(nested.message, nested.args) });
    }
  },
};
