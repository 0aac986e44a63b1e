import { KafkaConfig } from '@audit/kafka';
import { IsInt, IsString, Max, Min } from 'class-validator';

/** The example's environment, validated at boot (`loadConfig`); Kafka settings come from KafkaConfig. */
export class ExampleConfig extends KafkaConfig {
  @IsInt()
  @Min(0)
  @Max(65_535)
  EXAMPLE_PORT: number = 3010;

  @IsString()
  EXAMPLE_HOST: string = '127.0.0.1';

  /** Where the audit events go; the pipeline's ingestor reads `audit.events.v1`. */
  @IsString()
  AUDIT_TOPIC: string = 'audit.events.v1';
}
