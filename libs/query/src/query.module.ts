import { AuditEventsReadRepository, CLICKHOUSE, ClickHouseConfig, type ClickHouseHandle } from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import { KafkaConfig } from '@audit/kafka';
import { ProducerMetrics } from '@audit/observability';
import { AuditProducer } from '@audit/producer';
import { Inject, Injectable, Module, OnApplicationShutdown, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuditLogsController } from './audit-logs/audit-logs.controller';
import { AuditLogsService } from './audit-logs/audit-logs.service';
import { PageCursorCodec } from './audit-logs/page-cursor.codec';
import { AUDIT_RECORDER, ReadAuditTrail } from './audit-trail/read-audit.trail';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
import { TokenVerifier } from './auth/token.verifier';
import { HealthController } from './health/health.controller';
import { KafkaHealth } from './health/kafka.health';
import { ApiExceptionFilter } from './http/api-exception.filter';
import { QueryConfig } from './query.config';

/** Flushes the audit events of the last reads before the process ends. */
@Injectable()
class AuditRecorderLifecycle implements OnApplicationShutdown {
  constructor(@Inject(AUDIT_RECORDER) private readonly producer: AuditProducer) {}

  async onApplicationShutdown(): Promise<void> {
    await this.producer.close({ timeoutMs: 10_000 });
  }
}

/**
 * The read side over HTTP: `/v1/audit-logs` (list, facets, export) and `/health`. Needs
 * ClickHouseModule in the app. Registers the API's exception filter globally, so every error of
 * the app (unknown routes included) has the `{ statusCode, code, message, field? }` shape.
 */
@Module({})
export class QueryModule {
  static forRoot(config = loadConfig(QueryConfig), kafkaConfig = loadConfig(KafkaConfig)): DynamicModule {
    return {
      module: QueryModule,
      controllers: [AuditLogsController, HealthController],
      providers: [
        { provide: QueryConfig, useValue: config },
        { provide: KafkaConfig, useValue: kafkaConfig },
        {
          provide: AuditEventsReadRepository,
          inject: [CLICKHOUSE, ClickHouseConfig],
          useFactory: (clickhouse: ClickHouseHandle, clickhouseConfig: ClickHouseConfig) =>
            new AuditEventsReadRepository(clickhouse.client, clickhouseConfig.CLICKHOUSE_DATABASE, {
              maxExecutionTimeSeconds: config.QUERY_MAX_EXECUTION_SECONDS,
              maxMemoryUsageBytes: config.QUERY_MAX_MEMORY_BYTES,
              // A page reads at most limit + 1 rows, an export batch its batch size.
              maxResultRows: Math.max(config.QUERY_EXPORT_BATCH_ROWS, 1_001),
            }),
        },
        { provide: PageCursorCodec, useFactory: () => new PageCursorCodec(config.cursorSecret) },
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
              // Nest's shutdown hooks close it (AuditRecorderLifecycle), in order with the app.
              exitHooks: false,
              ...(metrics && { metrics: metrics.hooks() }),
            }),
        },
        AuditRecorderLifecycle,
        ReadAuditTrail,
        TokenVerifier,
        JwtAuthGuard,
        AuditLogsService,
        KafkaHealth,
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
      ],
      exports: [QueryConfig],
    };
  }
}
