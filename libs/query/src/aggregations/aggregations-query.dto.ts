import { TOP_DIMENSIONS, type TopDimension } from '@audit/contract';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { AuditLogsFilterDto } from '../audit-logs/audit-logs-query.dto';
import { HISTOGRAM_INTERVALS, type HistogramInterval } from './histogram.interval';

export const MAX_TOP_VALUES = 100;
export const DEFAULT_TOP_VALUES = 20;
const INTERVALS = ['auto', ...Object.keys(HISTOGRAM_INTERVALS)] as const;

export class AuditLogsHistogramQueryDto extends AuditLogsFilterDto {
  @ApiPropertyOptional({ enum: INTERVALS, default: 'auto', description: 'Bucket width; `auto` shows the window in at most 120 bars.' })
  @IsIn(INTERVALS)
  interval: HistogramInterval | 'auto' = 'auto';
}

export class AuditLogsTopQueryDto extends AuditLogsFilterDto {
  @ApiProperty({
    enum: TOP_DIMENSIONS,
    description: 'What to count by: actor (id, with its email), resource (type and id), ip, action.',
  })
  @IsIn(TOP_DIMENSIONS)
  by!: TopDimension;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_TOP_VALUES, default: DEFAULT_TOP_VALUES })
  @Type(() => Number)
  @Max(MAX_TOP_VALUES)
  @Min(1)
  @IsInt()
  limit: number = DEFAULT_TOP_VALUES;
}
