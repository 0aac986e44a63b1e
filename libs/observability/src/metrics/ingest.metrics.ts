import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { BulkHistogram } from './bulk.histogram';
import { epochMillisOfIso } from './iso-time';
import { boundedLabel } from './metric-label';

/** One partition's lag as the lag reader reports it (structurally `PartitionLag` of @audit/kafka). */
export interface PartitionLagSample {
  topic: string;
  partition: number;
  lagMessages: number;
  lagSeconds: number;
  /** Broker timestamp of the oldest unconsumed message; null when it could not be read (or there is no lag). */
  oldestUnconsumedTimestamp?: number | null;
}

export type LagSource = () => Promise<PartitionLagSample[]>;

/** Seconds from `occurredAt` to stored: a second or two when healthy, minutes to hours when behind. */
const FRESHNESS_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 21600];
/** ClickHouse insert time: tens of milliseconds for a healthy batch, seconds under pressure. */
const INSERT_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Rows per insert: ClickHouse wants thousands; single digits mean the batching is not working. */
const INSERT_BATCH_BUCKETS = [1, 10, 50, 100, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000];

/** What the ingest transport reports about itself (structurally its `stats()`). */
export interface IngestTransportStats {
  /** Partitions paused for backpressure or while a block is retried. */
  paused: number[];
  /** Retried steps since start (monotonic). */
  retries: number;
}

export interface IngestMetricsOptions {
  /** A scrape reuses the lag read of the previous one within this window (both lag gauges share one read). */
  lagCacheMs?: number;
  now?: () => number;
}

/**
 * The ingest side's metrics. Labels are topic, partition, reason and operation only: all bounded
 * by configuration or by the code's own vocabularies, never by tenants or events.
 */
export class IngestMetrics {
  readonly lagMessages: Gauge<'topic' | 'partition'>;
  readonly lagSeconds: Gauge<'topic' | 'partition'>;
  readonly lagReadErrors: Counter;
  readonly messagesConsumed: Counter;
  readonly rowsInserted: Counter;
  readonly insertDuration: Histogram<'outcome'>;
  readonly insertBatchRows: Histogram;
  readonly insertErrors: Counter<'retryable'>;
  readonly retries: Counter;
  readonly deadLetters: Counter<'reason'>;
  readonly quarantinedLetters: Counter<'reason' | 'refusal'>;
  readonly pausedPartitions: Gauge<'topic'>;
  readonly freshness: BulkHistogram;
  readonly expiryStatements: Counter;
  readonly expiryRefusals: Counter;
  private lagSource?: LagSource;
  private transport?: { topic: string; stats: () => IngestTransportStats; retriesSeen: number };
  private lagRead?: { at: number; result: Promise<PartitionLagSample[] | undefined> };
  private readonly lagCacheMs: number;
  private readonly now: () => number;

  constructor(registry: Registry, options: IngestMetricsOptions = {}) {
    this.lagCacheMs = options.lagCacheMs ?? 2_000;
    this.now = options.now ?? Date.now;
    const registers = [registry];
    this.lagMessages = new Gauge({
      name: 'audit_ingest_consumer_lag_messages',
      help: 'Messages in the topic not yet consumed and committed by the ingestor group, per partition (read at scrape time).',
      labelNames: ['topic', 'partition'],
      registers,
      collect: () => this.collectLag(),
    });
    this.lagSeconds = new Gauge({
      name: 'audit_ingest_consumer_lag_seconds',
      help: 'Age of the oldest message the ingestor group has not committed yet, per partition; 0 when caught up.',
      labelNames: ['topic', 'partition'],
      registers,
      collect: () => this.collectLag(),
    });
    this.lagReadErrors = new Counter({ name: 'audit_ingest_consumer_lag_read_errors_total', help: 'Scrapes whose lag read from the broker failed.', registers });
    this.messagesConsumed = new Counter({ name: 'audit_ingest_messages_consumed_total', help: 'Messages of the audit topic handed to the ingester (valid or not).', registers });
    this.rowsInserted = new Counter({
      name: 'audit_ingest_rows_inserted_total',
      help: 'Audit rows in ClickHouse inserts that succeeded (a block replayed after a crash counts again; ClickHouse stores it once).',
      registers,
    });
    this.insertDuration = new Histogram({
      name: 'audit_ingest_insert_duration_seconds',
      help: 'Duration of one ClickHouse insert, by outcome (success or error).',
      labelNames: ['outcome'],
      buckets: INSERT_DURATION_BUCKETS,
      registers,
    });
    this.insertBatchRows = new Histogram({ name: 'audit_ingest_insert_batch_rows', help: 'Rows per ClickHouse insert.', buckets: INSERT_BATCH_BUCKETS, registers });
    this.insertErrors = new Counter({
      name: 'audit_ingest_insert_errors_total',
      help: 'Failed ClickHouse inserts; retryable="true" ones are retried, the others stop the partition.',
      labelNames: ['retryable'],
      registers,
    });
    this.retries = new Counter({
      name: 'audit_ingest_retries_total',
      help: 'Steps of a block (record its range, insert, commit) retried after a failure.',
      registers,
      collect: () => this.collectTransport(),
    });
    this.deadLetters = new Counter({ name: 'audit_ingest_dead_letters_total', help: 'Messages sent to the dead-letter topic, by reason.', labelNames: ['reason'], registers });
    this.quarantinedLetters = new Counter({
      name: 'audit_ingest_quarantined_total',
      help: 'Dead letters the dead-letter topic refused for good (e.g. too large), published instead as a record naming the original by topic, partition and offset; by reason and refusal.',
      labelNames: ['reason', 'refusal'],
      registers,
    });
    this.pausedPartitions = new Gauge({
      name: 'audit_ingest_paused_partitions',
      help: 'Partitions the ingestor paused: buffers full (backpressure) or a block being retried.',
      labelNames: ['topic'],
      registers,
      collect: () => this.collectTransport(),
    });
    this.expiryStatements = new Counter({
      name: 'audit_expiry_statements_signed_total',
      help: 'Expiry statements the expiry job signed (each lets the TTL remove an organization’s links up to it).',
      registers,
    });
    this.expiryRefusals = new Counter({
      name: 'audit_expiry_refused_total',
      help: 'Organizations whose expired links the expiry job could not verify (their chain is broken): nothing of theirs expires until resolved.',
      registers,
    });
    this.freshness = new BulkHistogram({
      name: 'audit_ingest_freshness_seconds',
      help: 'End-to-end freshness: seconds from an event occurredAt to its row being stored.',
      buckets: FRESHNESS_BUCKETS,
      registers,
    });
  }

  /** Reads lag at scrape time through `source` (the ingest side binds the lag reader to its group and topic). */
  trackLag(source: LagSource): void {
    this.lagSource = source;
    this.lagRead = undefined;
  }

  expirySigned(statements: number): void {
    this.expiryStatements.inc(statements);
  }

  expiryRefused(): void {
    this.expiryRefusals.inc();
  }

  consumed(messages: number): void {
    this.messagesConsumed.inc(messages);
  }

  /**
   * Times one insert; on success counts its rows (one per `occurredAt`, ISO-8601 as the contract
   * normalises it) and the freshness of each, on failure counts the error and rethrows it unchanged.
   */
  async timeInsert<T>(occurredAt: readonly string[], insert: () => Promise<T>, isRetryable: (error: unknown) => boolean = () => false): Promise<T> {
    const started = performance.now();
    try {
      const result = await insert();
      this.insertDuration.observe({ outcome: 'success' }, (performance.now() - started) / 1000);
      this.insertBatchRows.observe(occurredAt.length);
      this.rowsInserted.inc(occurredAt.length);
      const storedAt = this.now();
      for (const at of occurredAt) this.freshness.observe(Math.max(0, (storedAt - epochMillisOfIso(at)) / 1000));
      return result;
    } catch (error) {
      this.insertDuration.observe({ outcome: 'error' }, (performance.now() - started) / 1000);
      this.insertErrors.inc({ retryable: String(isRetryable(error)) });
      throw error;
    }
  }

  deadLettered(reason: string, messages = 1): void {
    this.deadLetters.inc({ reason: boundedLabel(reason) }, messages);
  }

  /** A dead letter published by reference only: its original must be fetched from its topic before retention removes it. */
  quarantined(reason: string, refusal: string): void {
    this.quarantinedLetters.inc({ reason: boundedLabel(reason), refusal: boundedLabel(refusal) });
  }

  /** Reads paused partitions and retries from the transport at scrape time. */
  trackTransport(topic: string, stats: () => IngestTransportStats): void {
    this.transport = { topic, stats, retriesSeen: stats().retries };
  }

  private collectTransport(): void {
    if (!this.transport) return;
    const { paused, retries } = this.transport.stats();
    this.pausedPartitions.set({ topic: this.transport.topic }, paused.length);
    // The transport counts since its start; the counter advances by what is new since the last scrape.
    if (retries > this.transport.retriesSeen) this.retries.inc(retries - this.transport.retriesSeen);
    this.transport.retriesSeen = Math.max(this.transport.retriesSeen, retries);
  }

  /**
   * Fills both lag gauges from one read. A failed read removes the series rather than leaving
   * stale numbers that look healthy, and counts the failure.
   */
  private async collectLag(): Promise<void> {
    if (!this.lagSource) return;
    const now = this.now();
    if (!this.lagRead || now - this.lagRead.at > this.lagCacheMs) {
      const source = this.lagSource;
      this.lagRead = {
        at: now,
        result: source().catch(() => {
          this.lagReadErrors.inc();
          return undefined;
        }),
      };
    }
    const lags = await this.lagRead.result;
    this.lagMessages.reset();
    this.lagSeconds.reset();
    for (const lag of lags ?? []) {
      const labels = { topic: lag.topic, partition: String(lag.partition) };
      this.lagMessages.set(labels, lag.lagMessages);
      // A lagging partition whose oldest message could not be read has no age series: 0 would look healthy.
      if (lag.lagMessages === 0 || lag.oldestUnconsumedTimestamp !== null) this.lagSeconds.set(labels, lag.lagSeconds);
    }
  }
}
