import type { AuditStatus } from '@audit/contract';

export const DESTINATION_TYPES = ['webhook', 'splunk', 'datadog', 'syslog'] as const;
export type DestinationType = (typeof DESTINATION_TYPES)[number];

export const STREAM_FORMATS = ['v1', 'ocsf'] as const;
export type StreamFormat = (typeof STREAM_FORMATS)[number];

/** HTTPS POST of JSON batches, signed with the stream's secret (HMAC-SHA256). */
export interface WebhookDestination {
  type: 'webhook';
  url: string;
}

/** Splunk HTTP Event Collector: `POST <url>/services/collector/event`, `Authorization: Splunk <secret>`. */
export interface SplunkDestination {
  type: 'splunk';
  /** Base URL of the collector, e.g. `https://splunk.example.com:8088`. */
  url: string;
  index?: string;
  sourcetype?: string;
}

/** Datadog logs intake v2: `POST <url>/api/v2/logs`, `DD-API-KEY: <secret>`. */
export interface DatadogDestination {
  type: 'datadog';
  /** Intake base URL, e.g. `https://http-intake.logs.datadoghq.eu`. */
  url: string;
  service?: string;
  /** `ddtags`, e.g. `env:prod,team:security`. */
  tags?: string;
}

/** Syslog, RFC 5424 messages over TCP with RFC 6587 octet-counting framing, optionally TLS (RFC 5425). */
export interface SyslogDestination {
  type: 'syslog';
  host: string;
  port: number;
  tls: boolean;
  appName?: string;
}

export type StreamDestination = WebhookDestination | SplunkDestination | DatadogDestination | SyslogDestination;

/** Which events a stream delivers; absent lists match everything. Checkpoints ignore all but the organization. */
export interface StreamFilter {
  resourceTypes?: string[];
  actions?: string[];
  statuses?: AuditStatus[];
}

/**
 * Where delivery starts. `created`: the projection topic from `from` (the stream's creation time).
 * `from`: everything stored since `from` — from the topic when it still holds all of it, else
 * from ClickHouse first, then the topic with no gap and no duplicate at the seam. A new `id` asks
 * the delivery to move there (a replay); the delivery records which id it has applied.
 */
export interface StreamPosition {
  id: string;
  kind: 'created' | 'from';
  /** ISO-8601: when the events were stored (the projection topic's clock), not when they occurred. */
  from: string;
}

/** One stream, as stored (event-sourced: the newest record per id on the definitions topic). */
export interface StreamDefinition {
  id: string;
  /** The organization whose events it delivers; `*`: every organization (security role only). */
  organizationId: string;
  name: string;
  destination: StreamDestination;
  /** The destination's secret (webhook signing key, Splunk token, Datadog API key), sealed (AES-256-GCM); never returned by the API. */
  sealedSecret?: string;
  format: StreamFormat;
  filter: StreamFilter;
  paused: boolean;
  position: StreamPosition;
  createdAt: string;
  updatedAt: string;
  createdBy: { subject: string; email?: string };
  /** Increases with every change; the delivery restarts a stream whose version moved. */
  version: number;
}

export const STREAM_STATES = ['starting', 'backfilling', 'active', 'failing', 'paused'] as const;
export type StreamState = (typeof STREAM_STATES)[number];

/** What the delivery reports about a stream (the newest record per id on the status topic). */
export interface StreamStatus {
  streamId: string;
  state: StreamState;
  lastError?: { at: string; message: string; statusCode?: number };
  /** Events the destination acknowledged (copies included), since the stream was created. */
  delivered: number;
  /** Batches the destination acknowledged. */
  batches: number;
  /** Attempts that failed (each retried: nothing is skipped). */
  failedAttempts: number;
  /** Copies dropped before delivery (a replayed block republished, a seam overlap). */
  duplicatesDropped: number;
  /** Sequence gaps seen on the projection topic (expected 0). */
  gaps: number;
  /** Average events per projection record lately, to estimate the lag in events from the lag in records. */
  eventsPerRecord: number;
  lastDeliveredAt?: string;
  /** The position id the delivery has moved the stream to. */
  appliedPosition?: string;
  backfill?: { delivered: number; done: boolean };
  /**
   * How far behind the projection topic the stream is: records not passed (exact), events not
   * delivered (estimated from those records), and the age of the oldest event not delivered.
   */
  lag?: { records: number; events: number; seconds: number };
  updatedAt: string;
}

export const ALL_ORGANIZATIONS = '*';
