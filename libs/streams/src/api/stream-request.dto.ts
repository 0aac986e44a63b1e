import { ACTION_PATTERN, LIMITS, ORGANIZATION_ID_PATTERN, RESOURCE_TYPE_PATTERN, STATUSES } from '@audit/contract';
import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUrl, Length, Matches, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import { DESTINATION_TYPES, STREAM_FORMATS, type DestinationType } from '../definition/stream-definition';

// class-validator checks a property's decorators from the last to the first, and a 400 names the
// first rule broken: the type check sits last, so a missing or mistyped field is reported as such.

/** Printable text without control characters (names, tokens): CR/LF in a name could forge lines in logs and syslog. */
// eslint-disable-next-line no-control-regex
const PRINTABLE = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/;
const HTTP_TYPES: readonly DestinationType[] = ['webhook', 'splunk', 'datadog'];

export class StreamDestinationDto {
  @ApiProperty({ enum: DESTINATION_TYPES })
  @IsIn(DESTINATION_TYPES)
  type!: DestinationType;

  @ApiPropertyOptional({ description: 'webhook, splunk, datadog: https URL (the webhook endpoint; the HEC or intake base URL). Plain http only to allow-listed addresses.' })
  @ValidateIf((destination: StreamDestinationDto) => HTTP_TYPES.includes(destination.type))
  @MaxLength(2048)
  @IsUrl({ protocols: ['https', 'http'], require_protocol: true, require_tld: false, allow_underscores: true })
  url?: string;

  @ApiPropertyOptional({ description: 'syslog: host name or IP address of the collector.' })
  @ValidateIf((destination: StreamDestinationDto) => destination.type === 'syslog')
  @Matches(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.:_-]+)$/, { message: 'host must be a host name or an IP address' })
  @Length(1, 253)
  @IsString()
  host?: string;

  @ApiPropertyOptional({ description: 'syslog: TCP port.' })
  @ValidateIf((destination: StreamDestinationDto) => destination.type === 'syslog')
  @Min(1)
  @Max(65535)
  @IsInt()
  port?: number;

  @ApiPropertyOptional({ description: 'syslog: TLS (RFC 5425).' })
  @IsOptional()
  @IsBoolean()
  tls?: boolean;

  @ApiPropertyOptional({ description: 'webhook signing secret (generated when absent, returned once), Splunk HEC token or Datadog API key (required). Never returned afterwards.' })
  @IsOptional()
  @Matches(PRINTABLE, { message: 'secret must not contain control characters' })
  @Length(16, 512)
  @IsString()
  secret?: string;

  @ApiPropertyOptional({ description: 'splunk: index.' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_][A-Za-z0-9_-]{0,79}$/, { message: 'index must be a Splunk index name' })
  index?: string;

  @ApiPropertyOptional({ description: 'splunk: sourcetype of events (default audit:event or audit:ocsf).' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_:.-]{1,100}$/, { message: 'sourcetype must be letters, digits and _ : . -' })
  sourcetype?: string;

  @ApiPropertyOptional({ description: 'datadog: service (default audit-pipeline).' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_:./-]{1,100}$/, { message: 'service must be letters, digits and _ : . / -' })
  service?: string;

  @ApiPropertyOptional({ description: 'datadog: ddtags, e.g. env:prod,team:security.' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_:./,-]{1,500}$/, { message: 'tags must be comma-separated key:value tags' })
  tags?: string;

  @ApiPropertyOptional({ description: 'syslog: APP-NAME (default audit-pipeline).' })
  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{1,48}$/, { message: 'appName must be 1-48 printable ASCII characters without spaces' })
  appName?: string;
}

export class StreamFilterDto {
  @ApiPropertyOptional({ type: [String], description: 'Deliver only these resource types (empty: all).' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(RESOURCE_TYPE_PATTERN, { each: true, message: 'each resource type must be PascalCase, e.g. Member' })
  @MaxLength(LIMITS.resourceTypeLength, { each: true })
  resourceTypes?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Deliver only these actions (empty: all).' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(ACTION_PATTERN, { each: true, message: 'each action must be a lowercase verb, e.g. create or role.change' })
  @MaxLength(LIMITS.actionLength, { each: true })
  actions?: string[];

  @ApiPropertyOptional({ enum: STATUSES, isArray: true, description: 'Deliver only these outcomes (empty: both).' })
  @IsOptional()
  @IsArray()
  @IsIn(STATUSES, { each: true })
  statuses?: Array<(typeof STATUSES)[number]>;
}

export class CreateStreamDto {
  @ApiProperty({ description: 'What people call the stream (1-100 characters).' })
  @Matches(PRINTABLE, { message: 'name must not contain control characters' })
  @Length(1, 100)
  @IsString()
  name!: string;

  @ApiProperty({ type: StreamDestinationDto })
  @ValidateNested()
  @Type(() => StreamDestinationDto)
  destination!: StreamDestinationDto;

  @ApiPropertyOptional({ enum: STREAM_FORMATS, description: 'v1 (the event JSON with its chain link, the default) or ocsf (OCSF API Activity, class 6003).' })
  @IsOptional()
  @IsIn(STREAM_FORMATS)
  format?: (typeof STREAM_FORMATS)[number];

  @ApiPropertyOptional({ type: StreamFilterDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => StreamFilterDto)
  filter?: StreamFilterDto;

  @ApiPropertyOptional({ description: 'Security role only (and required for it): the organization to stream, or * for every organization.' })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.organizationIdLength)
  @Matches(new RegExp(`${ORGANIZATION_ID_PATTERN.source}|^\\*$`), { message: 'organizationId must be an organization id or *' })
  organizationId?: string;

  @ApiPropertyOptional({ description: 'Deliver everything stored since this moment first (ISO-8601, in the past): backfilled from ClickHouse when the topic no longer holds it. Absent: from now.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  startAt?: string;
}

/** Any of a stream's name, destination (whole, its secret kept unless a new one is given), format and filter. */
export class UpdateStreamDto extends PartialType(OmitType(CreateStreamDto, ['organizationId', 'startAt'] as const)) {}

export class ReplayStreamDto {
  @ApiProperty({ description: 'Deliver again everything stored since this moment (ISO-8601, in the past).' })
  @IsISO8601({ strict: true })
  from!: string;
}

export class ListStreamsQueryDto {
  @ApiPropertyOptional({ description: 'Security role only: the streams of one organization (or * for the all-organization streams).' })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.organizationIdLength)
  organizationId?: string;
}
