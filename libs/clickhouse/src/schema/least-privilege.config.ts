import { IsOptional, IsString, Matches, MinLength } from 'class-validator';

const USER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The ClickHouse users `audit migrate` creates on a server: one per app, each with only what its
 * app needs. Passwords come from the environment of the migration step, never from a file in the
 * repository; the apps then connect with CLICKHOUSE_URL=http://audit_ingestor:…@host:8123 and so on.
 */
export class LeastPrivilegeConfig {
  @IsString()
  @Matches(USER_NAME, { message: 'CLICKHOUSE_INGESTOR_USER must be a plain identifier' })
  CLICKHOUSE_INGESTOR_USER: string = 'audit_ingestor';

  /** Unset (with CLICKHOUSE_QUERY_PASSWORD also unset): no users are created. */
  @IsOptional()
  @IsString()
  @MinLength(16)
  CLICKHOUSE_INGESTOR_PASSWORD?: string;

  @IsString()
  @Matches(USER_NAME, { message: 'CLICKHOUSE_QUERY_USER must be a plain identifier' })
  CLICKHOUSE_QUERY_USER: string = 'audit_query_api';

  @IsOptional()
  @IsString()
  @MinLength(16)
  CLICKHOUSE_QUERY_PASSWORD?: string;
}
