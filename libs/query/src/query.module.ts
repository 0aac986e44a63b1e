import {
  AuditAggregationsRepository,
  AuditChainHeadsReader,
  AuditChainRepository,
  AuditEventsReadRepository,
  AuditEventsTailRepository,
  AuditExpiryRepository,
  CLICKHOUSE,
  ClickHouseConfig,
  LegalHoldRepository,
  RetentionGateRepository,
  type ClickHouseHandle,
} from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import { LinkHashPool, RetentionPolicy, type SigningKey } from '@audit/integrity';
import { KafkaConfig } from '@audit/kafka';
import { ProducerMetrics, QueryCacheMetrics, QueryLimitMetrics } from '@audit/observability';
import { AuditProducer } from '@audit/producer';
import { Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuditAggregationsController } from './aggregations/audit-aggregations.controller';
import { AuditAggregationsService } from './aggregations/audit-aggregations.service';
import { MAX_BUCKETS } from './aggregations/histogram.interval';
import { AuditLogsController } from './audit-logs/audit-logs.controller';
import { AuditLogsService } from './audit-logs/audit-logs.service';
import { AuditReadCaches } from './audit-logs/audit-read.caches';
import { EXPORT_LIMITS } from './audit-logs/audit-logs.controller';
import type { ExportLimits } from './audit-logs/export.writer';
import { PageCursorCodec } from './audit-logs/page-cursor.codec';
import { AUDIT_RECORDER, ReadAuditTrail } from './audit-trail/read-audit.trail';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
import { ChainVerifyController } from './chain-verify/chain-verify.controller';
import { CHAIN_PUBLIC_KEY, ChainVerifyService, LINK_HASHER, loadChainPublicKey } from './chain-verify/chain-verify.service';
import { TokenVerifier } from './auth/token.verifier';
import { EvidenceController } from './evidence/evidence.controller';
import { EXPORT_SIGNING_KEY, loadExportSigningKey } from './evidence/export-signing.key';
import { RetentionService } from './evidence/retention.service';
import { QueryHealth } from './health/query.health';
import { LegalHoldController } from './legal-holds/legal-hold.controller';
import { LegalHoldService } from './legal-holds/legal-hold.service';
import { KafkaHealth } from './health/kafka.health';
import { ApiExceptionFilter } from './http/api-exception.filter';
import { EngineGate, gatedClient } from './limits/engine.gate';
import { HeavyReadGuard } from './limits/heavy-read.guard';
import { HeavyReadLimiter } from './limits/heavy-read.limiter';
import { QueryLimitsConfig } from './limits/query-limits.config';
import { QueryConfig } from './query.config';
import { TailCursorCodec } from './tail/tail-cursor.codec';
import { TailHorizonWatcher } from './tail/tail-horizon.watcher';
import { TailController } from './tail/tail.controller';
import { TailService } from './tail/tail.service';

/** Rows one tail read may return: a page's limit (at most 1,000) from each partition of the topic. */
const TAIL_MAX_RESULT_ROWS = 1_000_000;

const RECORDER_CONNECT_WAIT_MS = 10_000;

/**
 * Connects the recorder at boot (a read waits for its event's acknowledgement); flushes the events
 * of the last reads, and stops the hashing threads, before the process ends.
 */
@Injectable()
class QueryResourcesLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuditRecorder');

  constructor(
    @Inject(AUDIT_RECORDER) private readonly producer: AuditProducer,
    @Inject(LINK_HASHER) private readonly hashers: LinkHashPool,
  ) {}

  /** Waits up to RECORDER_CONNECT_WAIT_MS: a broker that is down at boot must not stop the app; reads are refused (503) until it answers. */
  async onApplicationBootstrap(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<'waited'>((resolve) => (timer = setTimeout(() => resolve('waited'), RECORDER_CONNECT_WAIT_MS)));
    const outcome = await Promise.race([this.producer.connect().then(() => 'connected' as const, (error: unknown) => String(error)), waited]);
    clearTimeout(timer);
    if (outcome !== 'connected') this.logger.warn(`the recorder of reads is not connected yet (${outcome}); reads are refused until the broker answers`);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.producer.close({ timeoutMs: 10_000 }), this.hashers.close()]);
  }
}

/**
 * Links per query of a verification through the API: each batch is parsed on the event loop (its
 * hashes are recomputed on the hashing threads), so a small batch keeps that work a few
 * milliseconds between other requests. The CLI reads larger batches.
 */
const VERIFY_BATCH_ROWS = 2_000;

/**
 * The read side over HTTP: `/v1/audit-logs` (list, facets, export, tail, stream, verify, public-key, retention),
 * `/v1/legal-holds` (place, list, release: the one thing it writes), and {@link QueryHealth} for the
 * app's operations listener. Needs
 * ClickHouseModule in the app. Registers the API's exception filter globally, so every error of
 * the app (unknown routes included) has the `{ statusCode, code, message, field? }` shape.
 */
@Module({})
export class QueryModule {
  /** `config` holds the limits too ({@link QueryLimitsConfig}); nothing here reads the environment. */
  static forRoot(config = loadConfig(QueryConfig), kafkaConfig = loadConfig(KafkaConfig)): DynamicModule {
    const limits: QueryLimitsConfig = config;
    /** The read side's engine calls, through one gate per app (see {@link EngineGate}). */
    const reads = (clickhouse: ClickHouseHandle, gate: EngineGate) => gatedClient(clickhouse.client, gate);
    const readLimits = (maxResultRows: number) => ({ maxExecutionTimeSeconds: config.QUERY_MAX_EXECUTION_SECONDS, maxMemoryUsageBytes: config.QUERY_MAX_MEMORY_BYTES, maxResultRows });
    return {
      module: QueryModule,
      controllers: [AuditLogsController, AuditAggregationsController, ChainVerifyController, EvidenceController, LegalHoldController, TailController],
      providers: [
        { provide: QueryConfig, useValue: config },
        { provide: KafkaConfig, useValue: kafkaConfig },
        { provide: QueryLimitsConfig, useValue: limits },
        {
          provide: EngineGate,
          inject: [{ token: QueryLimitMetrics, optional: true }],
          useFactory: (metrics?: QueryLimitMetrics) => new EngineGate(limits.QUERY_ENGINE_MAX_CONCURRENT, metrics),
        },
        {
          provide: HeavyReadLimiter,
          inject: [{ token: QueryLimitMetrics, optional: true }],
          useFactory: (metrics?: QueryLimitMetrics) =>
            new HeavyReadLimiter(
              {
                export: { global: limits.QUERY_EXPORT_MAX_CONCURRENT, perTenant: limits.QUERY_EXPORT_MAX_CONCURRENT_PER_TENANT },
                verify: { global: limits.QUERY_VERIFY_MAX_CONCURRENT, perTenant: limits.QUERY_VERIFY_MAX_CONCURRENT_PER_TENANT },
                stream: { global: limits.QUERY_STREAM_MAX_CONCURRENT, perTenant: limits.QUERY_STREAM_MAX_CONCURRENT_PER_TENANT },
              },
              metrics,
            ),
        },
        HeavyReadGuard,
        {
          provide: EXPORT_LIMITS,
          inject: [{ token: QueryLimitMetrics, optional: true }],
          useFactory: (metrics?: QueryLimitMetrics): ExportLimits => ({
            stallTimeoutMs: limits.QUERY_EXPORT_STALL_TIMEOUT_MS,
            maxDurationMs: limits.QUERY_EXPORT_MAX_SECONDS * 1000,
            onCut: (reason) => metrics?.exportsCut.inc({ reason }),
          }),
        },
        {
          provide: LINK_HASHER,
          useFactory: () => new LinkHashPool(limits.QUERY_VERIFY_THREADS, (error) => new Logger('ChainVerifyService').warn(`${error.message}; verifications go on with the threads left`)),
        },
        {
          provide: AuditEventsReadRepository,
          inject: [CLICKHOUSE, ClickHouseConfig, EngineGate],
          useFactory: (clickhouse: ClickHouseHandle, clickhouseConfig: ClickHouseConfig, gate: EngineGate) =>
            // A page reads at most limit + 1 rows, an export batch its batch size.
            new AuditEventsReadRepository(reads(clickhouse, gate), clickhouseConfig.CLICKHOUSE_DATABASE, readLimits(Math.max(config.QUERY_EXPORT_BATCH_ROWS, 1_001))),
        },
        {
          provide: AuditAggregationsRepository,
          inject: [CLICKHOUSE, ClickHouseConfig, EngineGate],
          useFactory: (clickhouse: ClickHouseHandle, clickhouseConfig: ClickHouseConfig, gate: EngineGate) =>
            // A histogram has at most MAX_BUCKETS rows, a top list MAX_TOP_VALUES.
            new AuditAggregationsRepository(reads(clickhouse, gate), clickhouseConfig.CLICKHOUSE_DATABASE, readLimits(MAX_BUCKETS)),
        },
        AuditAggregationsService,
        { provide: PageCursorCodec, useFactory: () => new PageCursorCodec(config.cursorSecret) },
        {
          provide: AuditEventsTailRepository,
          inject: [CLICKHOUSE, ClickHouseConfig, EngineGate],
          useFactory: (clickhouse: ClickHouseHandle, clickhouseConfig: ClickHouseConfig, gate: EngineGate) =>
            new AuditEventsTailRepository(reads(clickhouse, gate), clickhouseConfig.CLICKHOUSE_DATABASE, config.AUDIT_TOPIC, {
              maxExecutionTimeSeconds: config.QUERY_MAX_EXECUTION_SECONDS,
              maxMemoryUsageBytes: config.QUERY_MAX_MEMORY_BYTES,
              maxResultRows: TAIL_MAX_RESULT_ROWS,
            }),
        },
        { provide: TailCursorCodec, useFactory: () => new TailCursorCodec(config.cursorSecret) },
        {
          provide: TailHorizonWatcher,
          inject: [AuditEventsTailRepository],
          useFactory: (tail: AuditEventsTailRepository) => new TailHorizonWatcher(tail, limits.QUERY_TAIL_POLL_MS),
        },
        TailService,
        // Loaded at boot: a malformed key or retention override stops the process, naming the variable.
        { provide: EXPORT_SIGNING_KEY, useValue: loadExportSigningKey(config.AUDIT_CHAIN_SIGNING_KEY) },
        { provide: RetentionPolicy, inject: [ClickHouseConfig], useFactory: (clickhouseConfig: ClickHouseConfig) => RetentionPolicy.fromConfig(clickhouseConfig) },
        {
          provide: AuditChainHeadsReader,
          inject: [CLICKHOUSE, ClickHouseConfig, EngineGate],
          useFactory: (clickhouse: ClickHouseHandle, clickhouseConfig: ClickHouseConfig, gate: EngineGate) =>
            new AuditChainHeadsReader(reads(clickhouse, gate), clickhouseConfig.CLICKHOUSE_DATABASE),
        },
        {
          provide: AuditExpiryRepository,
          inject: [CLICKHOUSE, ClickHouseConfig, EngineGate],
          useFactory: (clickhouse: ClickHouseHandle, clickhouseConfig: ClickHouseConfig, gate: EngineGate) =>
            new AuditExpiryRepository(reads(clickhouse, gate), clickhouseConfig.CLICKHOUSE_DATABASE),
        },
        {
          provide: LegalHoldRepository,
          inject: [CLICKHOUSE, ClickHouseConfig, EngineGate],
          useFactory: (clickhouse: ClickHouseHandle, clickhouseConfig: ClickHouseConfig, gate: EngineGate) =>
            new LegalHoldRepository(reads(clickhouse, gate), clickhouseConfig.CLICKHOUSE_DATABASE),
        },
        {
          provide: RetentionGateRepository,
          inject: [CLICKHOUSE, ClickHouseConfig],
          useFactory: (clickhouse: ClickHouseHandle, clickhouseConfig: ClickHouseConfig) =>
            new RetentionGateRepository(clickhouse.client, clickhouseConfig.CLICKHOUSE_DATABASE, { topology: clickhouseConfig.CLICKHOUSE_TOPOLOGY, cluster: clickhouseConfig.CLICKHOUSE_CLUSTER }),
        },
        LegalHoldService,
        RetentionService,
        {
          provide: AuditChainRepository,
          inject: [CLICKHOUSE, ClickHouseConfig, EngineGate],
          useFactory: (clickhouse: ClickHouseHandle, clickhouseConfig: ClickHouseConfig, gate: EngineGate) =>
            new AuditChainRepository(reads(clickhouse, gate), clickhouseConfig.CLICKHOUSE_DATABASE, {
              batchRows: VERIFY_BATCH_ROWS,
              limits: { maxExecutionTimeSeconds: config.QUERY_MAX_EXECUTION_SECONDS, maxMemoryUsageBytes: config.QUERY_MAX_MEMORY_BYTES, maxResultRows: 1_001 },
            }),
        },
        { provide: CHAIN_PUBLIC_KEY, inject: [EXPORT_SIGNING_KEY], useFactory: (signingKey: SigningKey | null) => loadChainPublicKey(config, signingKey) },
        ChainVerifyService,
        {
          provide: AUDIT_RECORDER,
          // Metrics when the app has ObservabilityModule (it is global); none in a bare test module.
          inject: [{ token: ProducerMetrics, optional: true }],
          useFactory: (metrics?: ProducerMetrics) =>
            new AuditProducer({
              brokers: kafkaConfig.brokers,
              clientId: `${kafkaConfig.KAFKA_CLIENT_ID}-query-api`,
              topic: config.AUDIT_TOPIC,
              // A full buffer refuses the read at once (503) rather than holding the request.
              bufferFullPolicy: 'reject',
              // Every read waits for its event's acknowledgement: a batch goes out almost at once, and
              // reads arriving while one is in flight share the next produce request.
              lingerMs: 2,
              // …and after a broker outage, reads are served again within a second of its return.
              retryMaxMs: 1000,
              // Nest's shutdown hooks close it (QueryResourcesLifecycle), in order with the app.
              exitHooks: false,
              ...(metrics && { metrics: metrics.hooks() }),
            }),
        },
        QueryResourcesLifecycle,
        ReadAuditTrail,
        TokenVerifier,
        JwtAuthGuard,
        {
          provide: AuditReadCaches,
          inject: [{ token: QueryCacheMetrics, optional: true }],
          useFactory: (metrics?: QueryCacheMetrics) => new AuditReadCaches(config, metrics && ((endpoint) => metrics.counter(endpoint))),
        },
        AuditLogsService,
        KafkaHealth,
        QueryHealth,
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
      ],
      // Global: other feature modules' endpoints (libs/streams' /v1/streams) use the same token
      // verification, guard, audit recorder and error shape without a second instance of each.
      global: true,
      exports: [QueryConfig, QueryLimitsConfig, QueryHealth, TokenVerifier, ReadAuditTrail, JwtAuthGuard, AUDIT_RECORDER],
    };
  }
}
