import { EnvBoolean } from '@audit/config';
import { AUDIT_EVENTS_TOPIC } from '@audit/contract';
import { IsInt, IsNotEmpty, IsOptional, IsString, IsUrl, Max, Min, MinLength, ValidateIf } from 'class-validator';
import { IsSecureJwksUrl } from './auth/jwks-url.rule';
import { QueryLimitsConfig } from './limits/query-limits.config';

const requiredWithJwks = (name: string) => ({ message: `${name} is required when AUTH_JWKS_URL is set` });

/**
 * Configuration of the read side, validated once at boot, the limits of {@link QueryLimitsConfig}
 * included: what `QueryModule.forRoot` is given is all it reads (no second look at the environment).
 */
export class QueryConfig extends QueryLimitsConfig {
  /** HS256 secret that signs bearer tokens (at least 32 characters). Required unless AUTH_JWKS_URL is set. */
  @ValidateIf((config: QueryConfig) => !config.AUTH_JWKS_URL)
  @IsString()
  @MinLength(32)
  AUTH_JWT_SECRET?: string;

  /**
   * JWKS endpoint of the identity provider; when set, tokens are verified against its keys
   * (RS/ES/EdDSA) and must carry its issuer and this API's audience. https only (see
   * AUTH_JWKS_ALLOW_HTTP).
   */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  @IsSecureJwksUrl('AUTH_JWKS_ALLOW_HTTP')
  AUTH_JWKS_URL?: string;

  /** Take a plain-http AUTH_JWKS_URL to a host other than the loopback interface (a trusted internal hop). */
  @EnvBoolean()
  AUTH_JWKS_ALLOW_HTTP: boolean = false;

  /** Expected `iss` claim; required with AUTH_JWKS_URL (an identity provider issues tokens for many). */
  @ValidateIf((config: QueryConfig) => config.AUTH_JWKS_URL !== undefined || config.AUTH_JWT_ISSUER !== undefined)
  @IsNotEmpty(requiredWithJwks('AUTH_JWT_ISSUER'))
  @IsString()
  AUTH_JWT_ISSUER?: string;

  /** Expected `aud` claim; required with AUTH_JWKS_URL (a token for another application must not read audit logs). */
  @ValidateIf((config: QueryConfig) => config.AUTH_JWKS_URL !== undefined || config.AUTH_JWT_AUDIENCE !== undefined)
  @IsNotEmpty(requiredWithJwks('AUTH_JWT_AUDIENCE'))
  @IsString()
  AUTH_JWT_AUDIENCE?: string;

  /**
   * Longest lifetime (`exp` − `iat`) of a token this API accepts, in seconds; tokens without `iat`,
   * or issued in the future, are refused. A leaked token then reads for a bounded time. 0: no limit.
   */
  @IsInt()
  @Min(0)
  @Max(31 * 86_400)
  AUTH_TOKEN_MAX_LIFETIME_SECONDS: number = 86_400;

  /**
   * Key that signs page cursors (HMAC-SHA256). Defaults to AUTH_JWT_SECRET; required with JWKS.
   * Every instance behind one load balancer needs the same key.
   */
  @ValidateIf((config: QueryConfig) => !config.AUTH_JWT_SECRET)
  @IsString()
  @MinLength(32)
  QUERY_CURSOR_SECRET?: string;

  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  /** Interface the HTTP server binds; 0.0.0.0 in containers. */
  @IsString()
  HOST: string = '127.0.0.1';

  /** How long a client may take to send a whole request (head and body); then Node answers 408. */
  @IsInt()
  @Min(1000)
  @Max(600_000)
  HTTP_REQUEST_TIMEOUT_MS: number = 30_000;

  /** Default look-back of a query without `from`, in days. */
  @IsInt()
  @Min(1)
  QUERY_DEFAULT_WINDOW_DAYS: number = 30;

  /** Widest `from`…`to` window a query may ask for, in days. */
  @IsInt()
  @Min(1)
  @Max(36500)
  QUERY_MAX_WINDOW_DAYS: number = 366;

  /** ClickHouse `max_execution_time` of every query, in seconds. */
  @IsInt()
  @Min(1)
  QUERY_MAX_EXECUTION_SECONDS: number = 30;

  /** ClickHouse `max_memory_usage` of every query, in bytes. */
  @IsInt()
  @Min(10_000_000)
  QUERY_MAX_MEMORY_BYTES: number = 2_000_000_000;

  /** Rows per keyset query of an export (bounds the memory of one export). */
  @IsInt()
  @Min(100)
  @Max(1_000_000)
  QUERY_EXPORT_BATCH_ROWS: number = 50_000;

  /**
   * Ed25519 private key (PKCS#8 PEM, or its base64 DER body) that signs verified-export manifests;
   * the same variable and key as the ingestor's chain checkpoints. Unset: verified exports and the
   * public-key endpoint answer 503. `npm start` makes a development key under .data.
   */
  @IsOptional()
  @IsString()
  AUDIT_CHAIN_SIGNING_KEY?: string;

  /**
   * Ed25519 public key (SPKI PEM, or its base64 DER) that checks chain checkpoint signatures in
   * `GET /v1/audit-logs/verify`. Unset: the public half of AUDIT_CHAIN_SIGNING_KEY when set.
   */
  @IsOptional()
  @IsString()
  AUDIT_CHAIN_PUBLIC_KEY?: string;

  /** Most links one `GET /v1/audit-logs/verify` checks (a longer range answers `complete: false`). */
  @IsInt()
  @Min(1000)
  QUERY_VERIFY_MAX_ROWS: number = 1_000_000;

  /**
   * How long a page or facets answer is reused for the same tenant and filters, in ms; identical
   * reads arriving meanwhile share one query. 0 turns both off. It bounds how old a page may be
   * while the engine keeps up (ingestion itself takes ~1–2 s to make an event visible).
   */
  @IsInt()
  @Min(0)
  @Max(60_000)
  QUERY_CACHE_MS: number = 1000;

  /**
   * When the engine is saturated, how much longer than QUERY_CACHE_MS an answer may still be served
   * while its refresh runs (a request waits QUERY_CACHE_REFRESH_WAIT_MS for the refresh first), in ms.
   */
  @IsInt()
  @Min(0)
  @Max(300_000)
  QUERY_CACHE_STALE_MS: number = 5000;

  /** How long a request with an older answer at hand waits for its refresh before taking the older answer, in ms. */
  @IsInt()
  @Min(0)
  QUERY_CACHE_REFRESH_WAIT_MS: number = 50;

  /** Bound on the memory of stored answers (estimated bytes); the oldest are dropped first. */
  @IsInt()
  @Min(0)
  QUERY_CACHE_MAX_BYTES: number = 64_000_000;

  /** Topic that receives the audit events of reads and exports. */
  @IsString()
  AUDIT_TOPIC: string = AUDIT_EVENTS_TOPIC;

  /**
   * How long a read waits for the broker to acknowledge its own audit event before it is refused
   * with 503, in ms. No byte of the answer leaves before the acknowledgement.
   */
  @IsInt()
  @Min(100)
  @Max(60_000)
  QUERY_AUDIT_ACK_TIMEOUT_MS: number = 2000;

  /**
   * Wait for that acknowledgement. On in every deployment; `false` exists for the load benchmark's
   * baseline only (a read is then served once its event is accepted into the producer's buffer, and
   * a crash right after can lose the record of a served read).
   */
  @EnvBoolean()
  QUERY_AUDIT_WAIT_FOR_ACK: boolean = true;

  /** Key for page cursors: its own, else the token secret. */
  get cursorSecret(): string {
    return this.QUERY_CURSOR_SECRET ?? (this.AUTH_JWT_SECRET as string);
  }
}
