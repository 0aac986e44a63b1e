import { loadConfig } from '@audit/config';
import { Global, Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { Registry } from 'prom-client';
import { HttpMetrics } from './http.metrics';
import { EVERY_PATH, HttpMetricsMiddleware } from './http-metrics.middleware';
import { IngestMetrics } from './ingest.metrics';
import { pinoHttpOptions } from './logger.options';
import { MetricsController } from './metrics.controller';
import { createMetricsRegistry } from './metrics.registry';
import { ObservabilityConfig } from './observability.config';
import { ProducerMetrics } from './producer.metrics';
import { QueryCacheMetrics } from './query-cache.metrics';

export interface ObservabilityOptions {
  /** The app's name, on every log line (`ingestor`, `query-api`, `all-in-one`). */
  app: string;
  config?: ObservabilityConfig;
  /** Node process metrics (CPU, memory, event loop). Default true. */
  defaultMetrics?: boolean;
  /** Where log lines go; default stdout. */
  logDestination?: DestinationStream;
}

/**
 * `GET /metrics` (prom-client, one registry per app), request latency by route, and JSON logs
 * through nestjs-pino with request ids. Global: feature modules inject {@link IngestMetrics},
 * {@link ProducerMetrics}, {@link QueryCacheMetrics} or the {@link Registry} without importing it. Apps call
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
      controllers: [MetricsController],
      providers: [
        { provide: ObservabilityConfig, useValue: config },
        { provide: Registry, useFactory: () => createMetricsRegistry({ defaultMetrics: options.defaultMetrics }) },
        { provide: HttpMetrics, inject: [Registry], useFactory: (registry: Registry) => new HttpMetrics(registry) },
        { provide: IngestMetrics, inject: [Registry], useFactory: (registry: Registry) => new IngestMetrics(registry) },
        { provide: ProducerMetrics, inject: [Registry], useFactory: (registry: Registry) => new ProducerMetrics(registry) },
        { provide: QueryCacheMetrics, inject: [Registry], useFactory: (registry: Registry) => new QueryCacheMetrics(registry) },
        HttpMetricsMiddleware,
      ],
      exports: [Registry, HttpMetrics, IngestMetrics, ProducerMetrics, QueryCacheMetrics],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes(EVERY_PATH);
  }
}
