import { ObservabilityModule, ProducerMetrics } from '@audit/observability';
import { AuditModule } from '@audit/producer';
import { Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { DevPrincipalMiddleware } from './dev-principal.middleware';
import type { ExampleConfig } from './example.config';
import { MembersController } from './members.controller';
import { MembersService } from './members.service';

/** A product service: its own controllers and services, plus AuditModule for the audit trail. */
@Module({})
export class ExampleModule implements NestModule {
  static forRoot(config: ExampleConfig): DynamicModule {
    return {
      module: ExampleModule,
      imports: [
        // /metrics (operations listener) with the producer's buffer, sends, failures and batch latency; JSON request logs.
        ObservabilityModule.forRoot({ app: 'example-service', opsPort: 3011 }),
        AuditModule.forRootAsync({
          inject: [ProducerMetrics],
          useFactory: (metrics: ProducerMetrics) => ({ brokers: config.brokers, clientId: `${config.KAFKA_CLIENT_ID}-example`, topic: config.AUDIT_TOPIC, metrics: metrics.hooks() }),
        }),
      ],
      controllers: [MembersController],
      providers: [MembersService],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(DevPrincipalMiddleware).forRoutes('*');
  }
}
