import { IsInt, IsString, Matches, Max, Min } from 'class-validator';

export class KafkaConfig {
  /** Comma-separated host:port list. */
  @Matches(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, { message: 'KAFKA_BROKERS must be host:port[,host:port…]' })
  KAFKA_BROKERS: string = '127.0.0.1:19092';

  @IsString()
  KAFKA_CLIENT_ID: string = 'audit-pipeline';

  /** Partitions of audit.events.v1 when the project creates it; the ceiling on ingestor instances. */
  @IsInt()
  @Min(1)
  @Max(1024)
  AUDIT_TOPIC_PARTITIONS: number = 6;

  /** How long the broker keeps audit events (ms): the window in which a stalled ingestor can catch up. */
  @IsInt()
  @Min(3_600_000)
  AUDIT_TOPIC_RETENTION_MS: number = 7 * 24 * 3_600_000;

  get brokers(): string[] {
    return this.KAFKA_BROKERS.split(',');
  }
}
