import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';

export class QueryConfig {
  /** HS256 secret that signs bearer tokens (at least 32 characters). */
  @IsString()
  @MinLength(32)
  AUTH_JWT_SECRET!: string;

  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  /** Interface the HTTP server binds; 0.0.0.0 in containers. */
  @IsString()
  HOST: string = '127.0.0.1';

  /** Default look-back of a query without `from`, in days. */
  @IsInt()
  @Min(1)
  QUERY_DEFAULT_WINDOW_DAYS: number = 30;
}
