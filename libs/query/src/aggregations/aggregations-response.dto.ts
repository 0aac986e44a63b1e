import { TOP_DIMENSIONS } from '@audit/contract';
import { ApiProperty } from '@nestjs/swagger';
import { HISTOGRAM_INTERVALS } from './histogram.interval';

// Response shapes for the OpenAPI document.

export class AuditWindowView {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time', description: 'Exclusive.' }) to!: string;
}

export class HistogramBucketView {
  @ApiProperty({ format: 'date-time', description: 'Start of the bucket (UTC, aligned to the epoch).' }) start!: string;
  @ApiProperty({ description: 'Events in the bucket, each event once (re-sent copies are not counted again).' }) count!: number;
}

export class AuditLogHistogramView {
  @ApiProperty({ enum: Object.keys(HISTOGRAM_INTERVALS) }) interval!: string;
  @ApiProperty({ type: AuditWindowView }) window!: AuditWindowView;
  @ApiProperty({ type: [HistogramBucketView], description: 'Every bucket of the window, oldest first, empty ones with count 0.' })
  buckets!: HistogramBucketView[];
}

export class TopValueView {
  @ApiProperty({ description: 'The actor id, resource id, IP address or action.' }) value!: string;
  @ApiProperty({ description: "The actor's email or the resource's type ('' for ip and action)." }) label!: string;
  @ApiProperty() count!: number;
  @ApiProperty({ description: 'Distinct actors among those events (for a resource: who touched it).' }) actors!: number;
  @ApiProperty({ description: "The actor's or resource's organization ('' for ip and action, counted over the whole scope)." }) organizationId!: string;
}

export class AuditLogTopView {
  @ApiProperty({ enum: TOP_DIMENSIONS }) by!: string;
  @ApiProperty({ type: AuditWindowView }) window!: AuditWindowView;
  @ApiProperty({ type: [TopValueView], description: 'Most events first; ties by value.' }) values!: TopValueView[];
}
