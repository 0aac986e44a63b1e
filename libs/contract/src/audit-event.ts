import { plainToInstance } from 'class-transformer';
import { ValidationError, ValidationTypes, validateSync } from 'class-validator';
import { isUtf8 } from 'node:buffer';
import { AuditEventDto, parseOccurredAt } from './audit-event.dto';
import { UNKNOWN_FIELD_RULE, compileDtoValidator, unknownFieldMessage } from './dto-validator.compiler';
import { LIMITS, type ActorType, type AuditStatus } from './limits';

export interface AuditActor {
  id: string;
  type: ActorType;
  name?: string;
  email?: string;
  ip?: string;
  userAgent?: string;
}

export interface AuditResource {
  type: string;
  id: string;
  name?: string;
}

export interface AuditChange {
  field: string;
  before: string | number | boolean | null;
  after: string | number | boolean | null;
}

/** A valid v1 event, normalised: `occurredAt` is always ISO-8601 UTC with milliseconds. */
export interface AuditEvent {
  id: string;
  occurredAt: string;
  organizationId: string;
  actor: AuditActor;
  action: string;
  resource: AuditResource;
  status: AuditStatus;
  reason?: string;
  requestId?: string;
  sessionId?: string;
  changes?: AuditChange[];
  metadata?: Record<string, string | number | boolean>;
  schemaVersion: 1;
}

/** One broken rule: `field` is a dotted path (`actor.email`, `changes.2.after`). */
export interface Violation {
  field: string;
  rule: string;
  message: string;
}

export type ValidationResult = { ok: true; event: AuditEvent } | { ok: false; violations: Violation[] };

const checkAuditEventDto = compileDtoValidator(AuditEventDto);

const notAnObject = (): ValidationResult => ({
  ok: false,
  violations: [{ field: '$', rule: 'isObject', message: 'an audit event must be a JSON object' }],
});

/**
 * Validates a plain object against the v1 contract. Unknown fields are violations, not silently
 * kept. Returns every violation at once, so a producer can fix its event in one round. The rules
 * are the class-validator decorators of `AuditEventDto`, compiled once into a direct checker
 * (see dto-validator.compiler.ts): the ingestor runs this on every message.
 */
export function validateAuditEvent(input: unknown, now: number = Date.now()): ValidationResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return notAnObject();
  const violations = checkAuditEventDto(input);
  if (violations) return { ok: false, violations };
  return withinBounds(input as AuditEvent, now);
}

/**
 * The same verdict computed the textbook way: class-transformer's `plainToInstance`, then
 * class-validator's `validateSync`. An order of magnitude slower; tests and the contract benchmark hold
 * `validateAuditEvent` against it.
 */
export function validateAuditEventWithClassValidator(input: unknown, now: number = Date.now()): ValidationResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return notAnObject();
  const errors = validateSync(plainToInstance(AuditEventDto, input), { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false });
  if (errors.length > 0) return { ok: false, violations: flatten(errors) };
  return withinBounds(input as AuditEvent, now);
}

function flatten(errors: ValidationError[], prefix = ''): Violation[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([rule, message]) =>
      rule === ValidationTypes.WHITELIST ? { field, rule: UNKNOWN_FIELD_RULE, message: unknownFieldMessage(field) } : { field, rule, message },
    );
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** The decorators check occurredAt against the wall clock; this applies the caller's `now` and normalises. */
function withinBounds(input: AuditEvent, now: number): ValidationResult {
  const millis = parseOccurredAt(input.occurredAt, now);
  if (millis === undefined) {
    return { ok: false, violations: [{ field: 'occurredAt', rule: 'isOccurredAt', message: 'occurredAt is out of bounds' }] };
  }
  const { occurredAt } = input;
  // Already canonical (UTC, milliseconds) is the common case; skip the round trip through Date.
  const canonical = typeof occurredAt === 'string' && occurredAt.length === 24 && occurredAt[23] === 'Z' && occurredAt[19] === '.';
  return { ok: true, event: toAuditEvent(input, canonical ? occurredAt : new Date(millis).toISOString()) };
}

/**
 * Copies the known fields in the contract's stable order (the wire order). Optional fields that
 * are null count as absent, as they do for `@IsOptional()`.
 */
function toAuditEvent(input: AuditEvent, occurredAt: string): AuditEvent {
  const { actor, resource } = input;
  const outActor: AuditActor = { id: actor.id, type: actor.type };
  if (actor.name != null) outActor.name = actor.name;
  if (actor.email != null) outActor.email = actor.email;
  if (actor.ip != null) outActor.ip = actor.ip;
  if (actor.userAgent != null) outActor.userAgent = actor.userAgent;
  const outResource: AuditResource = { type: resource.type, id: resource.id };
  if (resource.name != null) outResource.name = resource.name;
  const event = {
    id: input.id.toLowerCase(),
    occurredAt,
    organizationId: input.organizationId,
    actor: outActor,
    action: input.action,
    resource: outResource,
    status: input.status,
  } as AuditEvent;
  if (input.reason != null) event.reason = input.reason;
  if (input.requestId != null) event.requestId = input.requestId;
  if (input.sessionId != null) event.sessionId = input.sessionId;
  if (input.changes != null) event.changes = input.changes.map(({ field, before, after }) => ({ field, before, after }));
  if (input.metadata != null) event.metadata = { ...input.metadata };
  event.schemaVersion = 1;
  return event;
}

/** The wire form: JSON with the contract's stable field order. */
export function serializeAuditEvent(event: AuditEvent): string {
  return JSON.stringify(toAuditEvent(event, event.occurredAt));
}

/**
 * Decodes one Kafka message value: size limit, UTF-8, JSON, then the contract. The ingestor uses
 * this on every message, so each failure comes back as violations for the dead-letter record.
 */
export function parseAuditEventMessage(value: Buffer | null, now: number = Date.now()): ValidationResult {
  if (value === null || value.length === 0) {
    return { ok: false, violations: [{ field: '$', rule: 'notEmpty', message: 'the message has no value' }] };
  }
  if (value.length > LIMITS.maxEventBytes) {
    return {
      ok: false,
      violations: [{ field: '$', rule: 'maxEventBytes', message: `the message is ${value.length} bytes; the limit is ${LIMITS.maxEventBytes}` }],
    };
  }
  if (!isUtf8(value)) {
    return { ok: false, violations: [{ field: '$', rule: 'utf8', message: 'the message is not valid UTF-8' }] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { ok: false, violations: [{ field: '$', rule: 'json', message: `the message is not JSON: ${(error as Error).message}` }] };
  }
  return validateAuditEvent(parsed, now);
}
