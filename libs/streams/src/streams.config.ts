import { EnvBoolean } from '@audit/config';
import { AUDIT_EVENTS_STORED_TOPIC, AUDIT_EVENTS_TOPIC } from '@audit/contract';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

const MiB = 1024 * 1024;

/** Configuration of outbound streams (management API and delivery), validated once at boot. */
export class StreamsConfig {
  /**
   * 32 random bytes (base64, or 64 hex digits) sealing destination secrets at rest (AES-256-GCM).
   * Unset: creating or changing a stream answers 503 and delivery refuses to start (a boot warning).
   * `npm start` makes a development key under .data.
   */
  @IsOptional()
  @IsString()
  STREAMS_SECRET_KEY?: string;

  /** Where the audit events of stream changes go (the audit log itself). */
  @IsString()
  AUDIT_TOPIC: string = AUDIT_EVENTS_TOPIC;

  /** The projection topic the ingestor publishes stored events to; every stream reads it. */
  @IsString()
  AUDIT_STORED_TOPIC: string = AUDIT_EVENTS_STORED_TOPIC;

  /** Compacted topic of stream definitions (key = stream id): the event-sourced store. */
  @IsString()
  STREAMS_DEFINITIONS_TOPIC: string = 'audit.streams.v1';

  /** Compacted topic of what the delivery reports per stream (state, counts, last error, position applied). */
  @IsString()
  STREAMS_STATUS_TOPIC: string = 'audit.streams.v1.status';

  /** Each stream consumes the projection in its own group, `<prefix><stream id>`. */
  @IsString()
  STREAMS_GROUP_PREFIX: string = 'audit-stream-';

  /** Run delivery in this process (all-in-one and apps/stream-delivery; the standalone query API does not). */
  @EnvBoolean()
  STREAMS_DELIVERY: boolean = true;

  /** Streams one organization may have (the security role's all-organization streams count under `*`). */
  @IsInt()
  @Min(1)
  @Max(100)
  STREAMS_MAX_PER_ORGANIZATION: number = 5;

  /**
   * Addresses destinations may resolve to although they are loopback, private, link-local or
   * reserved: comma-separated CIDRs (`10.0.0.0/8,127.0.0.1/32`). Empty: none (and plain http only here).
   */
  @IsString()
  STREAMS_ALLOWED_CIDRS: string = '';

  /** Extra CA certificates (a PEM file) trusted for https and syslog-over-TLS destinations, besides Node's roots. */
  @IsOptional()
  @IsString()
  STREAMS_TLS_CA_FILE?: string;

  /** One request to a destination, connect to last response byte. */
  @IsInt()
  @Min(100)
  @Max(300_000)
  STREAMS_HTTP_TIMEOUT_MS: number = 10_000;

  /** Most response bytes read from a destination (the rest is cut). */
  @IsInt()
  @Min(1024)
  @Max(10 * MiB)
  STREAMS_MAX_RESPONSE_BYTES: number = 64 * 1024;

  /** Most events per batch (a destination's own limit is lower for some: Datadog 1,000 entries). */
  @IsInt()
  @Min(1)
  @Max(10_000)
  STREAMS_BATCH_MAX_EVENTS: number = 500;

  /** First wait before retrying a failed batch; doubles (with jitter) up to STREAMS_RETRY_MAX_MS. */
  @IsInt()
  @Min(1)
  STREAMS_RETRY_INITIAL_MS: number = 500;

  @IsInt()
  @Min(10)
  STREAMS_RETRY_MAX_MS: number = 60_000;

  /** Longest `Retry-After` honoured (a destination asking for more is retried after this). */
  @IsInt()
  @Min(1000)
  STREAMS_RETRY_AFTER_MAX_MS: number = 600_000;

  /** Consecutive failed attempts after which a stream reports `failing` (it keeps retrying, from the same position). */
  @IsInt()
  @Min(1)
  STREAMS_FAILING_AFTER_ATTEMPTS: number = 3;

  /** How long a stretch the filter left out (no events to send) may wait before a batch covering it goes out. */
  @IsInt()
  @Min(100)
  STREAMS_COVERAGE_INTERVAL_MS: number = 10_000;

  /** Events a stream holds read but not yet delivered; reading pauses above it. */
  @IsInt()
  @Min(100)
  STREAMS_BUFFER_EVENTS: number = 20_000;

  /**
   * Worker threads that decode, filter and serialize projection records for every stream of the
   * delivery process, beside its main thread (which fetches, signs and sends); 0: all on the main thread.
   */
  @IsInt()
  @Min(0)
  STREAMS_FORMATTER_THREADS: number = 1;

  /** How often the delivery publishes each stream's status. */
  @IsInt()
  @Min(100)
  STREAMS_STATUS_INTERVAL_MS: number = 5_000;

  /** Kafka session timeout of each stream's consumer (a killed delivery's partitions move after it). */
  @IsInt()
  @Min(6000)
  STREAMS_SESSION_TIMEOUT_MS: number = 30_000;

  get allowedCidrs(): string[] {
    return this.STREAMS_ALLOWED_CIDRS.split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
  }
}
