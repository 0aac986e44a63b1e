import { IsIn, IsInt, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';

/** How to reach ClickHouse: a server by URL in production, else the embedded engine (chDB). */
export class ClickHouseConfig {
  /** http(s)://user:password@host:8123 of a ClickHouse server. Unset: embedded chDB. */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  CLICKHOUSE_URL?: string;

  @IsString()
  CLICKHOUSE_DATABASE: string = 'audit';

  /** Data directory of the embedded engine; one process at a time may open it. */
  @IsString()
  CLICKHOUSE_DATA_PATH: string = '.data/clickhouse';

  /** Retention of audit rows, in days (HIPAA: six years). */
  @IsInt()
  @Min(1)
  @Max(36500)
  AUDIT_RETENTION_DAYS: number = 2192;

  /**
   * Organizations kept for less than AUDIT_RETENTION_DAYS: `org-a=365,org-b=730` (never longer than
   * the default). Parsed by `RetentionPolicy` (@audit/integrity), which the ingestor and the query API build at boot.
   */
  @IsOptional()
  @IsString()
  AUDIT_RETENTION_OVERRIDES?: string;

  @IsIn(['single', 'cluster'])
  CLICKHOUSE_TOPOLOGY: 'single' | 'cluster' = 'single';

  @IsString()
  CLICKHOUSE_CLUSTER: string = 'audit';
}
