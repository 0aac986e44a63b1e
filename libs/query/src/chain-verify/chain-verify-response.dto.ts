import { CHAIN_BREAK_KINDS } from '@audit/integrity';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

// Response shape of `GET /v1/audit-logs/verify` for the OpenAPI document; the value is libs/integrity's ChainReport.

export class ChainHeadView {
  @ApiProperty() seq!: number;
  @ApiProperty({ description: 'hex SHA-256' }) hash!: string;
}

export class ChainBreakView {
  @ApiProperty({ description: 'The sequence number of the first broken link.' }) seq!: number;
  @ApiProperty({ nullable: true, type: String, description: 'The event stored there, when one is.' }) eventId!: string | null;
  @ApiProperty({ enum: [...CHAIN_BREAK_KINDS] }) kind!: string;
  @ApiProperty() expected!: string;
  @ApiProperty() found!: string;
  @ApiProperty({ description: 'The break in a sentence.' }) detail!: string;
}

export class CheckpointCheckView {
  @ApiProperty() chainSeq!: number;
  @ApiProperty() chainHash!: string;
  @ApiProperty({ format: 'date-time' }) signedAt!: string;
  @ApiProperty() keyId!: string;
  @ApiProperty({ enum: ['valid', 'invalid', 'unverified'] }) signature!: string;
  @ApiProperty({ description: 'Whether the check reached the checkpoint (its link, or the end of the stored chain before it).' }) compared!: boolean;
}

export class ExpiryCheckView {
  @ApiProperty({ description: 'Links 1…chainSeq expired (a signed expiry statement says so); the check started at chainSeq + 1.' }) chainSeq!: number;
  @ApiProperty({ description: 'The hash the statement signed for link chainSeq: link chainSeq + 1 must chain from it.' }) chainHash!: string;
  @ApiProperty({ format: 'date-time' }) expiredAt!: string;
  @ApiProperty({ format: 'date-time' }) signedAt!: string;
  @ApiProperty() keyId!: string;
  @ApiProperty({ enum: ['valid', 'invalid', 'unverified'], description: 'With a public key configured, only a `valid` statement excuses the links it names.' }) signature!: string;
}

export class ChainReportView {
  @ApiProperty({ enum: ['ok', 'broken'] }) status!: string;
  @ApiProperty() organizationId!: string;
  @ApiProperty({ description: 'Links checked.' }) checked!: number;
  @ApiProperty({ nullable: true, type: Number }) firstSeq!: number | null;
  @ApiProperty({ nullable: true, type: Number }) lastSeq!: number | null;
  @ApiProperty({ nullable: true, type: ChainHeadView }) head!: ChainHeadView | null;
  @ApiProperty({ description: 'True when every link of the range was checked; false at a break, or when the row limit (QUERY_VERIFY_MAX_ROWS) cut the check (see nextSeq).' })
  complete!: boolean;
  @ApiPropertyOptional({ description: 'Where a check cut by the row limit would go on.' }) nextSeq?: number;
  @ApiPropertyOptional({ type: CheckpointCheckView }) checkpoint?: CheckpointCheckView;
  @ApiPropertyOptional({ type: ExpiryCheckView, description: 'The newest expiry statement the check started after; absent: nothing has expired.' }) expiry?: ExpiryCheckView;
  @ApiPropertyOptional({ type: ChainBreakView }) firstBreak?: ChainBreakView;
}
