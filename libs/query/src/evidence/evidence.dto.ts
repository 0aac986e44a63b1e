import { ApiProperty, PickType } from '@nestjs/swagger';
import { AuditLogsFilterDto } from '../audit-logs/audit-logs-query.dto';

/** Only `organizationId` (security role only, and required for it), with the filters' rules. */
export class RetentionQueryDto extends PickType(AuditLogsFilterDto, ['organizationId'] as const) {}

export class RetentionView {
  @ApiProperty() organizationId!: string;
  @ApiProperty({ description: 'Days events are kept from when they occurred.', example: 2192 }) retentionDays!: number;
  @ApiProperty({ enum: ['default', 'override'], description: '`override`: set for this organization by AUDIT_RETENTION_OVERRIDES.' }) source!: string;
  @ApiProperty({ description: 'AUDIT_RETENTION_DAYS: the deployment’s default (six years, 2192 days, unless configured).' }) defaultRetentionDays!: number;
  @ApiProperty({ format: 'date-time', description: 'Events that occurred before this are past retention; the table’s TTL removes them at its next merge.' })
  keptSince!: string;
  @ApiProperty({ format: 'date-time', nullable: true, description: 'The oldest event still stored.' }) oldestEventAt!: string | null;
  @ApiProperty({ nullable: true, description: 'The retention that oldest event was stored with (a row keeps the retention in force when it was stored).' })
  oldestEventRetentionDays!: number | null;
}
