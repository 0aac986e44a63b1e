import { ApiProperty, PickType } from '@nestjs/swagger';
import { AuditLogsFilterDto } from '../audit-logs/audit-logs-query.dto';
import { LegalHoldView } from '../legal-holds/legal-hold.dto';

/** Only `organizationId` (security role only, and required for it), with the filters' rules. */
export class RetentionQueryDto extends PickType(AuditLogsFilterDto, ['organizationId'] as const) {}

export class ExpiredThroughView {
  @ApiProperty({ description: 'Links 1…chainSeq of the chain have expired; verification starts after them.' }) chainSeq!: number;
  @ApiProperty({ format: 'date-time' }) expiredAt!: string;
  @ApiProperty({ format: 'date-time' }) signedAt!: string;
}

export class RetentionView {
  @ApiProperty() organizationId!: string;
  @ApiProperty({
    description:
      'Days events are kept, counted from when each was recorded (or occurred, when later), and never removed before the event recorded before it: what expires is always the oldest part of the chain.',
    example: 2192,
  })
  retentionDays!: number;
  @ApiProperty({ enum: ['default', 'override'], description: '`override`: set for this organization by AUDIT_RETENTION_OVERRIDES.' }) source!: string;
  @ApiProperty({ description: 'AUDIT_RETENTION_DAYS: the deployment’s default (six years, 2192 days, unless configured).' }) defaultRetentionDays!: number;
  @ApiProperty({
    format: 'date-time',
    description: 'Events recorded before this are past retention: removed once the expiry job has signed their expiry statement (then at the next TTL merge), unless a legal hold keeps them.',
  })
  keptSince!: string;
  @ApiProperty({ format: 'date-time', nullable: true, description: 'The oldest event still stored.' }) oldestEventAt!: string | null;
  @ApiProperty({ nullable: true, description: 'The retention that oldest event was stored with (a row keeps the retention in force when it was stored).' })
  oldestEventRetentionDays!: number | null;
  @ApiProperty({ nullable: true, type: ExpiredThroughView, description: 'The newest signed expiry statement; null: nothing has expired yet.' })
  expiredThrough!: ExpiredThroughView | null;
  @ApiProperty({ type: [LegalHoldView], description: 'Active legal holds: retention removes none of their events until released.' })
  activeHolds!: LegalHoldView[];
}
