import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { AuditEventDto, parseOccurredAt } from './audit-event.dto';
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

function flatten(errors: ValidationError[], prefix = ''): Violation[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([rule, message]) => ({
      field,
      rule: rule === 'whitelistValidation' ? 'unknownField' : rule,
      message: rule === 'whitelistValidation' ? `${field} is not a field of the v1 audit event` : message,
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

const REQUIRED_OBJECTS = ['actor', 'resource'] as const;

/**
 * Validates a plain object against the v1 contract. Unknown fields are violations, not silently
 * kept. Returns every violation at once, so a producer can fix its event in one round.
 */
export function validateAuditEvent(input: unknown, now: number = Date.now()): ValidationResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, violations: [{ field: '$', rule: 'isObject', message: 'an audit event must be a JSON object' }] };
  }
  const violations: Violation[] = [];
  // class-validator skips nested validation of a missing object without saying so; name it here.
  for (const key of REQUIRED_OBJECTS) {
    const value = (input as Record<string, unknown>)[key];
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      violations.push({ field: key, rule: 'isObject', message: `${key} must be an object` });
    }
  }
  const dto = plainToInstance(AuditEventDto, input);
  violations.push(
    ...flatten(validateSync(dto, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false })).filter(
      (v) => !(REQUIRED_OBJECTS as readonly string[]).includes(v.field) || v.rule !== 'nestedValidation',
    ),
  );
  if (violations.length > 0) return { ok: false, violations };
  const millis = parseOccurredAt(dto.occurredAt, now);
  if (millis === undefined) {
    return { ok: false, violations: [{ field: 'occurredAt', rule: 'isOccurredAt', message: 'occurredAt is out of bounds' }] };
  }
  return { ok: true, event: toAuditEvent(input as AuditEvent, new Date(millis).toISOString()) };
}

/** Copies the known fields in the contract's stable order (the wire order). */
function toAuditEvent(input: AuditEvent, occurredAt: string): AuditEvent {
  const { actor, resource } = input;
  const event: AuditEvent = {
    id: input.id.toLowerCase(),
    occurredAt,
    organizationId: input.organizationId,
    actor: {
      id: actor.id,
      type: actor.type,
      ...(actor.name !== undefined && { name: actor.name }),
      ...(actor.email !== undefined && { email: actor.email }),
      ...(actor.ip !== undefined && { ip: actor.ip }),
      ...(actor.userAgent !== undefined && { userAgent: actor.userAgent }),
    },
    action: input.action,
    resource: { type: resource.type, id: resource.id, ...(resource.name !== undefined && { name: resource.name }) },
    status: input.status,
    ...(input.reason !== undefined && { reason: input.reason }),
    ...(input.requestId !== undefined && { requestId: input.requestId }),
    ...(input.sessionId !== undefined && { sessionId: input.sessionId }),
    ...(input.changes !== undefined && { changes: input.changes.map(({ field, before, after }) => ({ field, before, after })) }),
    ...(input.metadata !== undefined && { metadata: { ...input.metadata } }),
    schemaVersion: 1,
  };
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
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(value);
  } catch {
    return { ok: false, violations: [{ field: '$', rule: 'utf8', message: 'the message is not valid UTF-8' }] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, violations: [{ field: '$', rule: 'json', message: `the message is not JSON: ${(error as Error).message}` }] };
  }
  return validateAuditEvent(parsed, now);
}
