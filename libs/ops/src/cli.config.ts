import { AUDIT_EVENTS_DLQ_TOPIC, AUDIT_EVENTS_TOPIC } from '@audit/contract';
import { IsOptional, IsString, IsUrl } from 'class-validator';

/** The CLI's own settings; Kafka and ClickHouse come from the same variables the apps read. */
export class CliConfig {
  @IsString()
  AUDIT_TOPIC: string = AUDIT_EVENTS_TOPIC;

  @IsString()
  AUDIT_DLQ_TOPIC: string = AUDIT_EVENTS_DLQ_TOPIC;

  /** The ingestor's consumer group (same default as the ingestor's INGEST_GROUP_ID). */
  @IsString()
  INGEST_GROUP_ID: string = 'audit-ingestor';

  /** Base URL of the query API, for `export`. */
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  AUDIT_API_URL: string = 'http://127.0.0.1:3000';

  /** Bearer token for `export` (or pass --token). */
  @IsOptional()
  @IsString()
  AUDIT_API_TOKEN?: string;

  /** Public key (SPKI PEM or base64 DER) that `verify` checks checkpoint signatures with (or pass --public-key). */
  @IsOptional()
  @IsString()
  AUDIT_CHAIN_PUBLIC_KEY?: string;
}
