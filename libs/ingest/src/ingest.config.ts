import { IsInt, IsString, Max, Min } from 'class-validator';

export class IngestConfig {
  @IsString()
  AUDIT_TOPIC: string = 'audit.events.v1';

  @IsString()
  AUDIT_DLQ_TOPIC: string = 'audit.events.v1.dlq';

  /** Consumer group shared by all ingestor instances. */
  @IsString()
  INGEST_GROUP_ID: string = 'audit-ingestor';

  /** Port of the standalone ingestor's health and metrics endpoints. */
  @IsInt()
  @Min(0)
  @Max(65535)
  INGESTOR_PORT: number = 3001;

  @IsString()
  INGESTOR_HOST: string = '127.0.0.1';
}
