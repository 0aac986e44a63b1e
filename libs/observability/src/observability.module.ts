import { loadConfig } from '@audit/config';
import { Global, Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { Registry } from 'prom-client';
import { HttpMetrics } from './metrics/http.metrics';
import { EVERY_PATH, HttpMetricsMiddleware } from './metrics/http-metrics.middleware';
import { IngestMetrics } from './metrics/ingest.metrics';
import { pinoHttpOptions } from './logging/logger.options';
import { createMetricsRegistry } from './metrics/metrics.registry';
import { ObservabilityConfig } from './observability.config';
import { OpsConfig } from './ops/ops.config';
import { OpsListener } from './ops/ops.listener';
import { ProducerMetrics } from './metrics/producer.metrics';
import { QueryCacheMetrics } from './metrics/query-cache.metrics';
import { QueryLimitMetrics } from './metrics/query-limits.metrics';
import { RequestErrorGuard } from './logging/request-error.guard';
import { StreamMetrics } from './metrics/stream.metrics';

export interface ObservabilityOptions {
  /** The app's name, on every log line (`ingestor`, `query-api`, `all-in-one`). */
  app: string;
  /** Port of the operations listener when OPS_PORT is unset. */
  opsPort: number;
  config?: ObservabilityConfig;
  opsConfig?: OpsConfig;
  /** Node process metrics (CPU, memory, event loop). Default true. */
  defaultMetrics?: boolean;
  /** Where log lines go; default stdout. */
  logDestination?: DestinationStream;
}

/**
 * One prom-client registry per app, served with the app's health by the {@link OpsListener}, apart
 * from the public listener (apps call `app.get(OpsListener).listen(health)`); request latency by
 * route; JSON logs through nestjs-pino with request ids; and the {@link RequestErrorGuard}'s
 * request scopes (apps call `app.get(RequestErrorGuard).install()`). Global: feature modules
 * inject {@link IngestMetrics}, {@link ProducerMetrics}, {@link QueryCacheMetrics},
 * {@link QueryLimitMetrics}, {@link StreamMetrics} or the {@link Registry} without importing it. Apps call
 * `app.useLogger(app.get(Logger))` (nestjs-pino) after creating the app with `bufferLogs: true`.
 */
@Global()
@Module({})
export class ObservabilityModule implements NestModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    const config = options.config ?? loadConfig(ObservabilityConfig);
    return {
      module: ObservabilityModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: options.logDestination ? [pinoHttpOptions(options.app, config), options.logDestination] : pinoHttpOptions(options.app, config),
        }),
      ],
      providers: [
        { provide: ObservabilityConfig, useValue: config },
        { provide: Registry, useFactory: () => createMetricsRegistry({ defaultMetrics: options.defaultMetrics }) },
        { provide: HttpMetrics, inject: [Registry], useFactory: (registry: Registry) => new HttpMetrics(registry) },
        { provide: IngestMetrics, inject: [Registry], useFactory: (registry: Registry) => new IngestMetrics(registry) },
        { provide: ProducerMetrics, inject: [Registry], useFactory: (registry: Registry) => new ProducerMetrics(registry) },
        { provide: QueryCacheMetrics, inject: [Registry], useFactory: (registry: Registry) => new QueryCacheMetrics(registry) },
        { provide: QueryLimitMetrics, inject: [Registry], useFactory: (registry: Registry) => new QueryLimitMetrics(registry) },
        { provide: StreamMetrics, inject: [Registry], useFactory: (registry: Registry) => new StreamMetrics(registry) },
        HttpMetricsMiddleware,
        RequestErrorGuard,
        { provide: OpsListener, inject: [Registry], useFactory: (registry: Registry) => new OpsListener(registry, options.opsConfig ?? loadConfig(OpsConfig), options.opsPort) },
      ],
      exports: [Registry, HttpMetrics, IngestMetrics, ProducerMetrics, QueryCacheMetrics, QueryLimitMetrics, StreamMetrics, RequestErrorGuard, OpsListener],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestErrorGuard, HttpMetricsMiddleware).forRoutes(EVERY_PATH);
  }
}
