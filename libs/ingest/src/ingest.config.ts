import { EnvBoolean } from '@audit/config';
import { AUDIT_EVENTS_STORED_TOPIC } from '@audit/contract';
import { IsInt, IsOptional, IsString, Min } from 'class-validator';

const MiB = 1024 * 1024;

export class IngestConfig {
  @IsString()
  AUDIT_TOPIC: string = 'audit.events.v1';

  @IsString()
  AUDIT_DLQ_TOPIC: string = 'audit.events.v1.dlq';

  /** The projection of what was stored, in chain order per organization: what outbound streams read. */
  @IsString()
  AUDIT_STORED_TOPIC: string = AUDIT_EVENTS_STORED_TOPIC;

  /**
   * Publish every stored block to AUDIT_STORED_TOPIC (needs the hash chain). On in every deployment;
   * `false` exists for the ingest benchmark's baseline, to measure what the projection costs.
   */
  @EnvBoolean()
  INGEST_PUBLISH_STORED: boolean = true;

  /** Consumer group shared by all ingestor instances. */
  @IsString()
  INGEST_GROUP_ID: string = 'audit-ingestor';

  /** A partition's buffer is inserted once it holds this many messages (ClickHouse likes 10k–100k rows per insert). */
  @IsInt()
  @Min(1)
  INGEST_FLUSH_ROWS: number = 50_000;

  /** … or this many bytes of message values. */
  @IsInt()
  @Min(1024)
  INGEST_FLUSH_BYTES: number = 16 * MiB;

  /** … or when its oldest message has waited this long (about one insert per second per partition). */
  @IsInt()
  @Min(10)
  INGEST_FLUSH_INTERVAL_MS: number = 1000;

  /** Ceiling on message bytes buffered across all partitions; fetching pauses above it, whatever the lag. */
  @IsInt()
  @Min(1024)
  INGEST_MAX_BUFFERED_BYTES: number = 128 * MiB;

  /**
   * The most one fetched record batch may decompress to. A batch past it (a compression bomb: Kafka
   * bounds batches by their compressed size only) is not decoded: each of its records is
   * dead-lettered as `undecodable_batch`, and the partition goes on.
   */
  @IsInt()
  @Min(64 * 1024)
  INGEST_MAX_DECOMPRESSED_BATCH_BYTES: number = 64 * MiB;

  /** First wait before retrying a failed insert of the same block; doubles up to INGEST_RETRY_MAX_MS. */
  @IsInt()
  @Min(1)
  INGEST_RETRY_INITIAL_MS: number = 200;

  @IsInt()
  @Min(1)
  INGEST_RETRY_MAX_MS: number = 30_000;

  /**
   * Worker threads that parse, validate, chain and serialize blocks beside the main thread (which
   * fetches and inserts). One keeps two cores busy with ClickHouse's insert; 0: all on the main thread.
   */
  @IsInt()
  @Min(0)
  INGEST_ENCODER_THREADS: number = 1;

  /** Kafka group session timeout: how soon the group reassigns the partitions of a crashed instance. */
  @IsInt()
  @Min(6000)
  INGEST_SESSION_TIMEOUT_MS: number = 30_000;

  /**
   * Chain each organization's events (tamper evidence, see libs/integrity). On in every deployment;
   * `false` exists for the ingest benchmark's baseline, and rows stored so are reported unchained.
   */
  @EnvBoolean()
  INGEST_HASH_CHAIN: boolean = true;

  /**
   * Ed25519 private key that signs chain checkpoints: PKCS#8 PEM, or the base64 of its DER. Unset:
   * no checkpoints (a warning at boot). Never printed; validated when the module starts.
   */
  @IsOptional()
  @IsString()
  AUDIT_CHAIN_SIGNING_KEY?: string;

  /** How often each organization's chain head is signed (only heads that moved get a new checkpoint). */
  @IsInt()
  @Min(100)
  AUDIT_CHECKPOINT_INTERVAL_MS: number = 3_600_000;

  /**
   * How often the expiry job signs statements for links past their expiry (and so lets the TTL
   * remove them). Links go at most this long (plus the next TTL merge) after they expire.
   */
  @IsInt()
  @Min(100)
  AUDIT_EXPIRY_INTERVAL_MS: number = 86_400_000;

  /** Most links the expiry job verifies per organization in one round (more wait for the next). */
  @IsInt()
  @Min(1)
  AUDIT_EXPIRY_MAX_LINKS: number = 1_000_000;

  /** Also append every checkpoint and expiry statement as a JSON line to this file (keep it, or ship it, outside ClickHouse). */
  @IsOptional()
  @IsString()
  AUDIT_CHECKPOINT_FILE?: string;
}
