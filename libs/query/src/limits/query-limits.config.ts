import { AtMost } from '@audit/config';
import { IsInt, Max, Min } from 'class-validator';

/**
 * Bounds on what one tenant can take from the process (the event loop, the engine, connections),
 * so that health checks, other tenants' reads and, in the all-in-one app, ingestion keep going.
 * Validated at boot with the rest of the configuration.
 */
export class QueryLimitsConfig {
  /** Exports running at once, all organizations together; one more is answered 429 with Retry-After. */
  @IsInt()
  @Min(1)
  QUERY_EXPORT_MAX_CONCURRENT: number = 4;

  /** Exports running at once for one organization (of the token). */
  @IsInt()
  @Min(1)
  @AtMost('QUERY_EXPORT_MAX_CONCURRENT')
  QUERY_EXPORT_MAX_CONCURRENT_PER_TENANT: number = 2;

  /** Chain verifications running at once, all organizations together. */
  @IsInt()
  @Min(1)
  QUERY_VERIFY_MAX_CONCURRENT: number = 2;

  /** Chain verifications running at once for one organization (of the token). */
  @IsInt()
  @Min(1)
  @AtMost('QUERY_VERIFY_MAX_CONCURRENT')
  QUERY_VERIFY_MAX_CONCURRENT_PER_TENANT: number = 1;

  /** What a refused export or verification is told to wait (`Retry-After`, seconds). */
  @IsInt()
  @Min(1)
  @Max(3600)
  QUERY_RETRY_AFTER_SECONDS: number = 5;

  /** An export whose client takes no byte for this long is cut (an incomplete transfer: no trailers), in ms. */
  @IsInt()
  @Min(1000)
  QUERY_EXPORT_STALL_TIMEOUT_MS: number = 30_000;

  /** An export still running after this long is cut, in seconds. */
  @IsInt()
  @Min(60)
  QUERY_EXPORT_MAX_SECONDS: number = 3600;

  /** Worker threads that recompute link hashes for verifications, beside the event loop. */
  @IsInt()
  @Min(1)
  @Max(16)
  QUERY_VERIFY_THREADS: number = 1;

  /**
   * Queries the read side runs on the engine at once; the next ones wait their turn in order. The
   * embedded engine runs queries on Node's small libuv pool, which the ingestor's inserts share.
   */
  @IsInt()
  @Min(1)
  @Max(64)
  QUERY_ENGINE_MAX_CONCURRENT: number = 2;
}
