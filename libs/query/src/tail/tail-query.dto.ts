import { ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsISO8601, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AuditLogsFilterDto } from '../audit-logs/audit-logs-query.dto';

export const MAX_TAIL_PAGE_SIZE = 1000;
export const DEFAULT_TAIL_PAGE_SIZE = 100;
/** A cursor names one offset per partition of the audit topic: room for a few hundred partitions. */
const MAX_TAIL_CURSOR_LENGTH = 8192;

/**
 * The list's filters without its window: the tail is positioned by arrival (a cursor, or `since`),
 * and a window on `occurredAt` would hide exactly the late events a follower must not miss.
 */
export class AuditLogsTailFilterDto extends OmitType(AuditLogsFilterDto, ['from', 'to'] as const) {
  @ApiPropertyOptional({
    description:
      'Where to start when there is no cursor: the first event stored at or after this instant (ISO-8601; no zone means UTC), ' +
      'whatever its occurredAt. Without it (and without a cursor) the tail starts at the newest position.',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;
}

export class AuditLogsTailQueryDto extends AuditLogsTailFilterDto {
  @ApiPropertyOptional({ description: '`next` of the previous page, with the same filters.' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_TAIL_CURSOR_LENGTH)
  after?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_TAIL_PAGE_SIZE, default: DEFAULT_TAIL_PAGE_SIZE })
  @Type(() => Number)
  @Max(MAX_TAIL_PAGE_SIZE)
  @Min(1)
  @IsInt()
  limit: number = DEFAULT_TAIL_PAGE_SIZE;
}

/** The stream resumes from the `Last-Event-ID` header, else from `after`, else `since`, else the newest position. */
export class AuditLogsStreamQueryDto extends AuditLogsTailFilterDto {
  @ApiPropertyOptional({ description: 'A tail cursor or an event id of an earlier stream, with the same filters (the `Last-Event-ID` header wins).' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_TAIL_CURSOR_LENGTH)
  after?: string;
}
