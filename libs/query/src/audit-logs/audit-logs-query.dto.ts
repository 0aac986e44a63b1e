import { ACTION_PATTERN, LIMITS, SEARCH_LIMITS, ORGANIZATION_ID_PATTERN, RESOURCE_TYPE_PATTERN, STATUSES, type AuditStatus } from '@audit/contract';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type, type TransformFnParams } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsIP, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';

/** A repeatable query parameter arrives as a string once and as an array when repeated. */
const asArray = ({ value }: TransformFnParams): unknown => (value === undefined || Array.isArray(value) ? value : [value]);

export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_VALUES_PER_FILTER = 50;
export const EXPORT_FORMATS = ['csv', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The filters shared by list, facets and export. Absent filters match everything. */
export class AuditLogsFilterDto {
  @ApiPropertyOptional({ type: [String], description: 'Resource types (repeat the parameter for several).', example: ['Member'] })
  @IsOptional()
  @Transform(asArray)
  @IsArray()
  @ArrayMaxSize(MAX_VALUES_PER_FILTER)
  @IsString({ each: true })
  @MaxLength(LIMITS.resourceTypeLength, { each: true })
  @Matches(RESOURCE_TYPE_PATTERN, { each: true, message: 'each value of resourceType must be a PascalCase type name such as Member' })
  resourceType?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Actions (repeat the parameter for several).', example: ['role.change'] })
  @IsOptional()
  @Transform(asArray)
  @IsArray()
  @ArrayMaxSize(MAX_VALUES_PER_FILTER)
  @IsString({ each: true })
  @MaxLength(LIMITS.actionLength, { each: true })
  @Matches(ACTION_PATTERN, { each: true, message: 'each value of action must be a lowercase verb such as create or role.change' })
  action?: string[];

  @ApiPropertyOptional({ description: "The actor's email or id.", example: 'ada@example.com' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(LIMITS.actorIdLength)
  actor?: string;

  @ApiPropertyOptional({ example: 'member_42' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(LIMITS.resourceIdLength)
  resourceId?: string;

  @ApiPropertyOptional({ description: "The actor's IP address, IPv4 or IPv6 (one address; for a range use q=ip:10.0.0.0/8).", example: '203.0.113.7' })
  @IsOptional()
  @IsIP()
  actorIp?: string;

  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES)
  status?: AuditStatus;

  @ApiPropertyOptional({
    description:
      'A search in the style of GitHub\'s audit log, AND with the other filters: `key:value` terms separated by spaces, `-key:value` ' +
      'to exclude, values of one key are alternatives, different keys all apply, `*` is a wildcard, "quoted values" may hold ' +
      'spaces (escape \\" \\\\ \\*). Keys: actor (email or id), actor.id, actor.email, actor.type, action, resource.type, resource.id, ' +
      'resource.name, status, request.id, session.id, ip (address or CIDR range), created (>=, >, <=, <, = a date or ISO time, or ' +
      'A..B; narrows the window and replaces its defaults). A syntax error is a 400 with `rule` and `position` (0-based offset into q).',
    example: 'actor:alice@example.com action:role.* -status:success created:>=2026-09-01',
  })
  @IsOptional()
  @IsString()
  @MaxLength(SEARCH_LIMITS.queryLength)
  q?: string;

  @ApiPropertyOptional({ description: 'Start of the window, inclusive (ISO-8601; no zone means UTC). Default: `to` minus the default window (30 days).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'End of the window, exclusive (ISO-8601). Default: now (plus the contract’s allowed clock skew).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ description: 'Security role only: restrict a cross-organization query to one organization.' })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.organizationIdLength)
  @Matches(ORGANIZATION_ID_PATTERN, { message: 'organizationId must be letters, digits and _ . : -' })
  organizationId?: string;
}

export class AuditLogsListQueryDto extends AuditLogsFilterDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @Type(() => Number)
  // class-validator runs a property's rules bottom-up: the type check first, then the bounds.
  @Max(MAX_PAGE_SIZE)
  @Min(1)
  @IsInt()
  limit: number = DEFAULT_PAGE_SIZE;

  @ApiPropertyOptional({ description: 'nextCursor or prevCursor of a previous page, with the same filters.' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  cursor?: string;
}

/** `true`/`false` as a query parameter; anything else stays a string and fails IsBoolean. */
const asBoolean = ({ value }: TransformFnParams): unknown => (value === 'true' ? true : value === 'false' ? false : value);

export class AuditLogsExportQueryDto extends AuditLogsFilterDto {
  @ApiPropertyOptional({ enum: EXPORT_FORMATS, default: 'csv' })
  @IsIn(EXPORT_FORMATS)
  format: ExportFormat = 'csv';

  @ApiPropertyOptional({
    type: Boolean,
    default: false,
    description:
      'NDJSON only. Each line carries its hash-chain link (chain_seq, chain_prev_hash, chain_hash) in chain order, and the ' +
      'last line is a manifest signed with the deployment’s Ed25519 key, so the file can be verified offline ' +
      '(`node scripts/verify-export.mjs FILE --public-key audit-public.pem`).',
  })
  @Transform(asBoolean)
  @IsBoolean()
  verified: boolean = false;
}
