import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  Equals,
  IsArray,
  IsEmail,
  IsIn,
  IsIP,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateBy,
  ValidateNested,
  ValidationOptions,
  buildMessage,
} from 'class-validator';
import {
  ACTION_PATTERN,
  ACTOR_TYPES,
  CONTROL_CHARACTERS,
  LIMITS,
  METADATA_KEY_PATTERN,
  ORGANIZATION_ID_PATTERN,
  RESOURCE_TYPE_PATTERN,
  SCHEMA_VERSION,
  STATUSES,
  UUID_PATTERN,
  type ActorType,
  type AuditStatus,
} from './limits';

/** Rejects C0/C1 control characters (CR/LF injection into logs, CSV and terminals). */
export function NoControlCharacters(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'noControlCharacters',
      validator: {
        validate: (value) => typeof value !== 'string' || !CONTROL_CHARACTERS.test(value),
        defaultMessage: buildMessage((each) => `${each}$property must not contain control characters`, options),
      },
    },
    options,
  );
}

/** ISO-8601 with an explicit zone, or epoch milliseconds; within the contract's time bounds. */
export function IsOccurredAt(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isOccurredAt',
      validator: {
        validate: (value) => parseOccurredAt(value) !== undefined,
        defaultMessage: buildMessage(
          () =>
            '$property must be an ISO-8601 timestamp with a zone (e.g. 2026-01-31T12:00:00.000Z) or epoch milliseconds, ' +
            'not before 2000-01-01 and at most one hour in the future',
          options,
        ),
      },
    },
    options,
  );
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Two ASCII digits at `at` as a number. */
const twoDigits = (text: string, at: number) => (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;

/**
 * Whether the fields of an ISO_WITH_ZONE string name a real instant: Date.parse would roll
 * 2026-02-30 over to March 2 and 24:00 over to the next day, silently changing the event.
 */
function isCalendarValid(text: string): boolean {
  const year = Number(text.slice(0, 4));
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (month < 1 || month > 12 || day < 1 || day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1])) return false;
  if (twoDigits(text, 11) > 23 || twoDigits(text, 14) > 59 || (text[16] === ':' && twoDigits(text, 17) > 59)) return false;
  return text.endsWith('Z') || (twoDigits(text, text.length - 5) <= 23 && twoDigits(text, text.length - 2) <= 59);
}

// One-entry memo of the last ISO string parsed: the decorator and validateAuditEvent's own
// bounds check parse the same string back to back on the ingestor's hot path.
let lastIso = '';
let lastIsoMillis: number | undefined;

function parseIso(text: string): number | undefined {
  if (text !== lastIso) {
    lastIsoMillis = ISO_WITH_ZONE.test(text) && isCalendarValid(text) ? Date.parse(text) : undefined;
    lastIso = text;
  }
  return lastIsoMillis;
}

/** Epoch milliseconds of a valid occurredAt, or undefined. */
export function parseOccurredAt(value: unknown, now: number = Date.now()): number | undefined {
  const millis = typeof value === 'number' ? value : typeof value === 'string' ? parseIso(value) : undefined;
  if (millis === undefined || !Number.isInteger(millis)) return undefined;
  if (millis < LIMITS.earliestOccurredAt || millis > now + LIMITS.maxClockSkewMs) return undefined;
  return millis;
}

type MetadataValue = string | number | boolean;

function metadataProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'must be an object';
  const entries = Object.entries(value);
  if (entries.length > LIMITS.maxMetadataKeys) return `must have at most ${LIMITS.maxMetadataKeys} keys`;
  for (const [key, item] of entries) {
    if (key.length > LIMITS.metadataKeyLength || !METADATA_KEY_PATTERN.test(key)) {
      return `key "${key.slice(0, LIMITS.metadataKeyLength)}" must be 1-${LIMITS.metadataKeyLength} characters of letters, digits, _ . -`;
    }
    if (typeof item === 'string') {
      if (item.length > LIMITS.metadataValueLength) return `value of "${key}" must be at most ${LIMITS.metadataValueLength} characters`;
      if (CONTROL_CHARACTERS.test(item)) return `value of "${key}" must not contain control characters`;
    } else if (typeof item === 'number') {
      if (!Number.isFinite(item) || !Number.isSafeInteger(Math.trunc(item))) return `value of "${key}" must be a finite number within ±2^53`;
    } else if (typeof item !== 'boolean' && item !== undefined) {
      // undefined counts as absent: JSON drops the key when the event is serialized.
      return `value of "${key}" must be a string, number or boolean (metadata is flat)`;
    }
  }
  return undefined;
}

/** A flat map of string keys to string/number/boolean values, bounded in keys and sizes. */
export function IsFlatMetadata(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isFlatMetadata',
      validator: {
        validate: (value) => metadataProblem(value) === undefined,
        defaultMessage: buildMessage((_each, args) => `$property ${metadataProblem(args?.value)}`, options),
      },
    },
    options,
  );
}

/** Values recorded in a change: scalars only, strings bounded, so a row stays small and flat. */
export function IsChangeValue(options?: ValidationOptions): PropertyDecorator {
  const ok = (value: unknown) =>
    value === null ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value)) ||
    (typeof value === 'string' && value.length <= LIMITS.changeValueLength && !CONTROL_CHARACTERS.test(value));
  return ValidateBy(
    {
      name: 'isChangeValue',
      validator: {
        validate: ok,
        defaultMessage: buildMessage(
          () => `$property must be null, a boolean, a finite number or a string of at most ${LIMITS.changeValueLength} characters without control characters`,
          options,
        ),
      },
    },
    options,
  );
}

export class AuditActorDto {
  @IsString()
  @Length(1, LIMITS.actorIdLength)
  @NoControlCharacters()
  id!: string;

  @IsIn(ACTOR_TYPES)
  type!: ActorType;

  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.actorNameLength)
  @NoControlCharacters()
  name?: string;

  @IsOptional()
  @IsEmail()
  @MaxLength(LIMITS.emailLength)
  email?: string;

  @IsOptional()
  @IsIP()
  ip?: string;

  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.userAgentLength)
  @NoControlCharacters()
  userAgent?: string;
}

export class AuditResourceDto {
  @IsString()
  @Length(1, LIMITS.resourceTypeLength)
  @Matches(RESOURCE_TYPE_PATTERN, { message: 'resource.type must be PascalCase letters and digits, e.g. Member or Patient' })
  type!: string;

  @IsString()
  @Length(1, LIMITS.resourceIdLength)
  @NoControlCharacters()
  id!: string;

  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.resourceNameLength)
  @NoControlCharacters()
  name?: string;
}

export class AuditChangeDto {
  @IsString()
  @Length(1, LIMITS.changeFieldLength)
  @NoControlCharacters()
  field!: string;

  @IsChangeValue()
  before!: string | number | boolean | null;

  @IsChangeValue()
  after!: string | number | boolean | null;
}

/** The v1 audit event as it travels on the wire (camelCase JSON). */
export class AuditEventDto {
  @IsString()
  @Matches(UUID_PATTERN, { message: 'id must be a UUID (v7 preferred)' })
  id!: string;

  @IsOccurredAt()
  occurredAt!: string | number;

  @IsString()
  @Length(1, LIMITS.organizationIdLength)
  @Matches(ORGANIZATION_ID_PATTERN, { message: 'organizationId must be letters, digits and _ . : - starting with a letter or digit' })
  organizationId!: string;

  @IsObject()
  @ValidateNested()
  @Type(() => AuditActorDto)
  actor!: AuditActorDto;

  @IsString()
  @Length(1, LIMITS.actionLength)
  @Matches(ACTION_PATTERN, { message: 'action must be a lowercase verb, optionally dotted, e.g. create or role.change' })
  action!: string;

  @IsObject()
  @ValidateNested()
  @Type(() => AuditResourceDto)
  resource!: AuditResourceDto;

  @IsIn(STATUSES)
  status!: AuditStatus;

  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.reasonLength)
  @NoControlCharacters()
  reason?: string;

  @IsOptional()
  @IsString()
  @Length(1, LIMITS.correlationIdLength)
  @NoControlCharacters()
  requestId?: string;

  @IsOptional()
  @IsString()
  @Length(1, LIMITS.correlationIdLength)
  @NoControlCharacters()
  sessionId?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIMITS.maxChanges)
  @IsObject({ each: true, message: 'each item of changes must be an object { field, before, after }' })
  @ValidateNested({ each: true })
  @Type(() => AuditChangeDto)
  changes?: AuditChangeDto[];

  @IsOptional()
  @IsFlatMetadata()
  metadata?: Record<string, MetadataValue>;

  @Equals(SCHEMA_VERSION, { message: `schemaVersion must be ${SCHEMA_VERSION}` })
  schemaVersion!: typeof SCHEMA_VERSION;
}
