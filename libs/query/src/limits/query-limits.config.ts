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

  /** Server-Sent Event streams (`/v1/audit-logs/stream`) open at once, all organizations together; one more is answered 429. */
  @IsInt()
  @Min(1)
  QUERY_STREAM_MAX_CONCURRENT: number = 64;

  /** Streams open at once for one organization (of the token). */
  @IsInt()
  @Min(1)
  @AtMost('QUERY_STREAM_MAX_CONCURRENT')
  QUERY_STREAM_MAX_CONCURRENT_PER_TENANT: number = 4;

  /** A stream is ended after this long (seconds); its client resumes with `Last-Event-ID`, and is audited again. */
  @IsInt()
  @Min(10)
  QUERY_STREAM_MAX_SECONDS: number = 3600;

  /** A stream whose client takes no byte for this long while the server waits to write is cut, in ms. */
  @IsInt()
  @Min(1000)
  QUERY_STREAM_STALL_TIMEOUT_MS: number = 30_000;

  /** A comment line is sent on a quiet stream this often (seconds), so proxies and clients see it alive. */
  @IsInt()
  @Min(1)
  @Max(300)
  QUERY_STREAM_HEARTBEAT_SECONDS: number = 15;

  /**
   * How often the newest stored position is read while a stream waits for new events, in ms: one
   * small query per interval for all streams of the process, the floor of a stream's freshness.
   */
  @IsInt()
  @Min(20)
  @Max(10_000)
  QUERY_TAIL_POLL_MS: number = 200;

  /**
   * Offsets of each partition one tail read looks at, at most: with a filter that matches rarely, a
   * page may come back empty but with `next` moved (and `hasMore`), instead of one read scanning a
   * whole backlog.
   */
  @IsInt()
  @Min(1000)
  QUERY_TAIL_SCAN_OFFSETS: number = 100_000;
}
