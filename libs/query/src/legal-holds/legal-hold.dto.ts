import { LIMITS, NoControlCharacters } from '@audit/contract';
import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { AuditLogsFilterDto } from '../audit-logs/audit-logs-query.dto';

/** Why a hold is placed or released: shown on the Auditing page and recorded in the audit log. */
class HoldReasonDto extends PickType(AuditLogsFilterDto, ['organizationId'] as const) {
  @ApiProperty({ description: 'Why: the incident, matter or request it serves (shown to everyone who reads the log, recorded in its audit event).', maxLength: LIMITS.metadataValueLength, example: 'Litigation hold, matter 2026-117' })
  @IsString()
  @MinLength(1)
  @MaxLength(LIMITS.metadataValueLength)
  @NoControlCharacters()
  reason!: string;
}

/** `POST /v1/legal-holds`. */
export class PlaceLegalHoldDto extends HoldReasonDto {
  @ApiPropertyOptional({ description: 'Hold the events that occurred from here (inclusive, ISO-8601) … Absent with `to` absent: every event of the organization.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: '… up to here (exclusive, ISO-8601).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

/** `POST /v1/legal-holds/{holdId}/release`. */
export class ReleaseLegalHoldDto extends HoldReasonDto {}

export const HOLD_LIST_STATUSES = ['active', 'all'] as const;

/** `GET /v1/legal-holds`. */
export class LegalHoldsQueryDto extends PickType(AuditLogsFilterDto, ['organizationId'] as const) {
  @ApiPropertyOptional({ enum: HOLD_LIST_STATUSES, default: 'active', description: '`all` includes released holds.' })
  @IsOptional()
  @IsIn(HOLD_LIST_STATUSES)
  status?: (typeof HOLD_LIST_STATUSES)[number];
}

export class HoldActorView {
  @ApiProperty() id!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: ['owner', 'security'] }) role!: string;
}

export class HoldWindowView {
  @ApiPropertyOptional({ format: 'date-time' }) from?: string;
  @ApiPropertyOptional({ format: 'date-time' }) to?: string;
}

export class HoldReleaseView {
  @ApiProperty({ type: HoldActorView }) by!: HoldActorView;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty() reason!: string;
}

export class LegalHoldView {
  @ApiProperty({ format: 'uuid' }) holdId!: string;
  @ApiProperty() organizationId!: string;
  @ApiProperty({ enum: ['active', 'released'] }) status!: 'active' | 'released';
  @ApiProperty({ nullable: true, type: HoldWindowView, description: 'The events held by their occurredAt; null: every event.' }) window!: HoldWindowView | null;
  @ApiProperty({
    description:
      'The first chain link the hold keeps: it keeps that link and every later one (expiry stays a prefix of the chain, so it may keep events outside its window); 0: every row.',
  })
  fromSeq!: number;
  @ApiProperty() reason!: string;
  @ApiProperty({ type: HoldActorView }) placedBy!: HoldActorView;
  @ApiProperty({ format: 'date-time' }) placedAt!: string;
  @ApiPropertyOptional({ type: HoldReleaseView }) released?: HoldReleaseView;
}
