import { ACTOR_TYPES, STATUSES } from '@audit/contract';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

// Response shapes for the OpenAPI document; the values are the contract's AuditEvent.

export class AuditActorView {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ACTOR_TYPES }) type!: string;
  @ApiPropertyOptional() name?: string;
  @ApiPropertyOptional() email?: string;
  @ApiPropertyOptional() ip?: string;
  @ApiPropertyOptional() userAgent?: string;
}

export class AuditResourceView {
  @ApiProperty() type!: string;
  @ApiProperty() id!: string;
  @ApiPropertyOptional() name?: string;
}

export class AuditChangeView {
  @ApiProperty() field!: string;
  @ApiProperty({ nullable: true, oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] }) before!: unknown;
  @ApiProperty({ nullable: true, oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] }) after!: unknown;
}

export class AuditEventView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty() organizationId!: string;
  @ApiProperty({ type: AuditActorView }) actor!: AuditActorView;
  @ApiProperty() action!: string;
  @ApiProperty({ type: AuditResourceView }) resource!: AuditResourceView;
  @ApiProperty({ enum: STATUSES }) status!: string;
  @ApiPropertyOptional() reason?: string;
  @ApiPropertyOptional() requestId?: string;
  @ApiPropertyOptional() sessionId?: string;
  @ApiPropertyOptional({ type: [AuditChangeView] }) changes?: AuditChangeView[];
  @ApiPropertyOptional({ type: 'object', additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] } })
  metadata?: Record<string, string | number | boolean>;
  @ApiProperty({ enum: [1] }) schemaVersion!: 1;
}

export class ShownAuditEventView extends AuditEventView {
  @ApiPropertyOptional({
    enum: [true],
    description:
      'Present when the organization stored other content under the same id and time: each version is shown, none is hidden ' +
      '(an identical re-send is shown once).',
  })
  idConflict?: true;
}

export class PageWindowView {
  @ApiProperty({ format: 'date-time', description: 'Inclusive.' }) from!: string;
  @ApiProperty({ format: 'date-time', description: 'Exclusive.' }) to!: string;
}

export class AuditLogPageView {
  @ApiProperty({ type: [ShownAuditEventView], description: 'Newest first.' }) data!: ShownAuditEventView[];
  @ApiProperty({ type: String, nullable: true, description: 'Older events; null on the last page.' }) nextCursor!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Newer events; null on the first page.' }) prevCursor!: string | null;
  @ApiProperty({
    type: PageWindowView,
    description:
      'The window this page was read in: resolved on the first page (a default or open-ended window is fixed then) and kept by its ' +
      'cursors however much later they are used. Pass it as from/to to facets and export to describe exactly these pages.',
  })
  window!: PageWindowView;
}

export class FacetCountView {
  @ApiProperty() value!: string;
  @ApiProperty() count!: number;
}

export class AuditLogFacetsView {
  @ApiProperty({ type: [FacetCountView] }) resourceType!: FacetCountView[];
  @ApiProperty({ type: [FacetCountView] }) action!: FacetCountView[];
  @ApiProperty({ type: [FacetCountView] }) status!: FacetCountView[];
}

export class ApiErrorView {
  @ApiProperty() statusCode!: number;
  @ApiProperty({ example: 'invalid_parameter' }) code!: string;
  @ApiProperty() message!: string;
  @ApiPropertyOptional({ example: 'limit' }) field?: string;
  @ApiPropertyOptional({ example: 'max' }) rule?: string;
  @ApiPropertyOptional({ description: 'For a search (`q`) syntax error: the 0-based offset into q where it was found.', example: 14 }) position?: number;
}
