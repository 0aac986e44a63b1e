import type { AuditEvent } from '@audit/contract';
import type { ProducerRecord, RecordMetadata } from 'kafkajs';

/** What `record()` takes: an event whose `id`, `occurredAt` and `schemaVersion` the producer fills when absent. */
export type AuditEventInput = Omit<AuditEvent, 'id' | 'occurredAt' | 'schemaVersion'> & {
  id?: string;
  /** ISO-8601 with a zone, epoch milliseconds or a Date; defaults to now. */
  occurredAt?: string | number | Date;
  schemaVersion?: 1;
};

/** Where the kafkajs client runs: a worker thread of its own, or the caller's event loop. */
export type KafkaThread = 'worker' | 'caller';

/** When the buffer is full: wait for room (up to `bufferFullTimeoutMs`), or refuse at once. */
export type BufferFullPolicy = 'wait' | 'reject';

/**
 * Hooks for metrics (the operability work plugs prom-client counters and histograms in here).
 * Every hook is optional and must be cheap: `buffered` runs on every `record()`.
 */
export interface AuditProducerMetrics {
  /** Events the broker acknowledged. */
  sent?(events: number): void;
  /** Events of a failed attempt. `willRetry` false: they are given up (buffer-full timeout, close timeout). */
  failed?(events: number, error: Error, willRetry: boolean): void;
  /** Events (and their bytes) accepted but not yet acknowledged, after every change. */
  buffered?(events: number, bytes: number): void;
  /** Time from handing a batch to kafkajs until the broker acknowledged it. */
  batchLatency?(milliseconds: number, events: number): void;
}

/** The part of a kafkajs `Producer` the AuditProducer uses; tests pass a fake through `kafkaProducer`. */
export interface KafkaProducerLike {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(record: ProducerRecord): Promise<RecordMetadata[]>;
}

export interface AuditProducerLogger {
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

export interface AuditProducerOptions {
  /** `host:port` list; required unless `kafkaProducer` is given. */
  brokers?: string[];
  clientId?: string;
  /** Default `audit.events.v1`. */
  topic?: string;
  /** Events accepted but not yet acknowledged, at most. Default 10,000. */
  maxBufferedEvents?: number;
  /** Bytes of those events, at most. Default 32 MiB. */
  maxBufferedBytes?: number;
  /** Default `wait`. */
  bufferFullPolicy?: BufferFullPolicy;
  /** How long `record()` waits for room under the `wait` policy. Default 5,000 ms. */
  bufferFullTimeoutMs?: number;
  /** How long the first event of a batch waits for company. Default 5 ms. */
  lingerMs?: number;
  /** Events per `send`, at most. Default 1,000. */
  maxBatchEvents?: number;
  /** Bytes per `send`, at most; keep below the broker's `message.max.bytes` (1 MiB). Default 512 KiB. */
  maxBatchBytes?: number;
  /** First pause after a failed send; doubles up to `retryMaxMs`. Defaults 100 ms and 5,000 ms. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  metrics?: AuditProducerMetrics;
  /** Flush on `beforeExit`, SIGTERM and SIGINT. Default true. */
  exitHooks?: boolean;
  /** How long a signal-triggered close may take before undelivered events are reported lost. Default 10,000 ms. */
  shutdownTimeoutMs?: number;
  logger?: AuditProducerLogger;
  /**
   * `worker` (default): kafkajs runs in a worker thread, so encoding and sending batches never
   * shares the caller's event loop; the caller's thread only validates, serializes and packs.
   * `caller`: kafkajs runs on the caller's event loop (no extra thread). Ignored with `kafkaProducer`.
   */
  kafkaThread?: KafkaThread;
  /** A ready kafkajs producer (or a fake); by default one is made from `brokers`. */
  kafkaProducer?: KafkaProducerLike;
}

export const AUDIT_PRODUCER_DEFAULTS = {
  clientId: 'audit-producer',
  maxBufferedEvents: 10_000,
  maxBufferedBytes: 32 * 1024 * 1024,
  bufferFullPolicy: 'wait' as BufferFullPolicy,
  bufferFullTimeoutMs: 5_000,
  lingerMs: 5,
  kafkaThread: 'worker' as KafkaThread,
  maxBatchEvents: 1_000,
  maxBatchBytes: 512 * 1024,
  retryInitialMs: 100,
  retryMaxMs: 5_000,
  exitHooks: true,
  shutdownTimeoutMs: 10_000,
};
