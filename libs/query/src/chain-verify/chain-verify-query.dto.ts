import { LIMITS, ORGANIZATION_ID_PATTERN } from '@audit/contract';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** `GET /v1/audit-logs/verify`: which part of the organization's chain to check. */
export class ChainVerifyQueryDto {
  @ApiPropertyOptional({ description: 'Check the links of events that occurred from here (inclusive, ISO-8601). Absent with `to` absent: the whole retained chain (after the newest expiry statement).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: '… up to here (exclusive, ISO-8601). Absent: to the newest stored link, which is checked against the newest checkpoint.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ description: 'Security role only (and required for it): the organization whose chain to check.' })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.organizationIdLength)
  @Matches(ORGANIZATION_ID_PATTERN, { message: 'organizationId must be letters, digits and _ . : -' })
  organizationId?: string;
}
