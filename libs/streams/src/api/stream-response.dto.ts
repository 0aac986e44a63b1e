import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DESTINATION_TYPES, STREAM_FORMATS, STREAM_STATES } from '../definition/stream-definition';

// Response shapes for the OpenAPI document (built by stream.view.ts).

export class StreamDestinationView {
  @ApiProperty({ enum: DESTINATION_TYPES }) type!: string;
  @ApiPropertyOptional() url?: string;
  @ApiPropertyOptional() host?: string;
  @ApiPropertyOptional() port?: number;
  @ApiPropertyOptional() tls?: boolean;
  @ApiPropertyOptional() index?: string;
  @ApiPropertyOptional() sourcetype?: string;
  @ApiPropertyOptional() service?: string;
  @ApiPropertyOptional() tags?: string;
  @ApiPropertyOptional() appName?: string;
  @ApiProperty({ description: 'Whether a secret is stored; the secret itself is never returned after creation.' }) secretSet!: boolean;
}

export class StreamLagView {
  @ApiProperty({ description: 'Projection records not passed yet.' }) records!: number;
  @ApiProperty({ description: 'Events not delivered yet (estimated from those records).' }) events!: number;
  @ApiProperty({ description: 'Age of the oldest event not delivered, in seconds.' }) seconds!: number;
}

export class StreamErrorView {
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty() message!: string;
  @ApiPropertyOptional() statusCode?: number;
}

export class StreamStatusView {
  @ApiProperty({ enum: STREAM_STATES }) state!: string;
  @ApiPropertyOptional({ type: StreamErrorView }) lastError?: StreamErrorView;
  @ApiProperty({ description: 'Events the destination acknowledged (copies included).' }) delivered!: number;
  @ApiProperty() batches!: number;
  @ApiProperty({ description: 'Failed attempts (each retried; nothing is skipped).' }) failedAttempts!: number;
  @ApiProperty({ description: 'Copies dropped before delivery.' }) duplicatesDropped!: number;
  @ApiProperty({ description: 'Sequence gaps seen on the projection topic (expected 0).' }) gaps!: number;
  @ApiPropertyOptional({ format: 'date-time' }) lastDeliveredAt?: string;
  @ApiPropertyOptional({ type: StreamLagView }) lag?: StreamLagView;
  @ApiProperty({ format: 'date-time', nullable: true, description: 'When the delivery last reported; null before it did.' }) updatedAt!: string | null;
  @ApiProperty({ description: 'The delivery has not reported for a while (is it running?).' }) stale!: boolean;
}

export class StreamView {
  @ApiProperty() id!: string;
  @ApiProperty({ description: 'The organization it streams, or * (every organization).' }) organizationId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: StreamDestinationView }) destination!: StreamDestinationView;
  @ApiProperty({ enum: STREAM_FORMATS }) format!: string;
  @ApiProperty({ description: 'resourceTypes, actions, statuses (absent: all).' }) filter!: Record<string, string[]>;
  @ApiProperty() paused!: boolean;
  @ApiProperty({ description: 'Where delivery started: created (from creation) or from (a start time or replay).' }) position!: { kind: string; from: string };
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: StreamStatusView }) status!: StreamStatusView;
}

export class CreatedStreamView extends StreamView {
  @ApiPropertyOptional({ description: 'The webhook signing secret the server generated: shown this once, never again.' }) secret?: string;
}

export class StreamListView {
  @ApiProperty({ type: [StreamView] }) data!: StreamView[];
}

export class StreamTestView {
  @ApiProperty({ description: 'The destination acknowledged the test batch.' }) ok!: boolean;
  @ApiPropertyOptional() statusCode?: number;
  @ApiPropertyOptional() error?: string;
  @ApiProperty() durationMs!: number;
}
