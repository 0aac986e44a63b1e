import { AuditChainRepository, CLICKHOUSE, ClickHouseConfig, type ClickHouseHandle } from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import { ConsumerLagReader, createCompleteSendProducer, createKafka, KafkaConfig } from '@audit/kafka';
import { StreamMetrics } from '@audit/observability';
import { AUDIT_RECORDER, type AuditRecorder } from '@audit/query';
import { Logger, Module, type DynamicModule, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { StreamChangeTrail } from './api/stream-change.trail';
import { StreamsController } from './api/streams.controller';
import { StreamsService } from './api/streams.service';
import { DestinationFactory } from './destinations/destination.factory';
import { SecretCipher } from './definition/secret.cipher';
import { StreamStore } from './definition/stream.store';
import { BackfillReader } from './delivery/backfill.reader';
import { RetryPolicy } from './delivery/retry.policy';
import { StreamDelivery } from './delivery/stream-delivery';
import { StreamDeliveryHealth } from './delivery/stream-delivery.health';
import { RecordFormatterPool } from './projection/record-formatter.pool';
import { StreamSupervisor } from './delivery/stream.supervisor';
import { StreamsConfig } from './streams.config';

export interface StreamsModuleOptions {
  /** Serve `/v1/streams` (needs QueryModule in the app: its guard, audit recorder and error shape). */
  api?: boolean;
  /** Deliver streams in this process (when STREAMS_DELIVERY is also true); exports its {@link StreamDeliveryHealth}. */
  delivery?: boolean;
}

/** The streams' Kafka clients and stores, opened at boot and closed at shutdown. */
class StreamsRuntime implements OnApplicationShutdown {
  constructor(
    readonly kafka: Kafka,
    readonly producer: Producer,
    readonly admin: Admin,
    readonly store: StreamStore,
    private readonly destinations: DestinationFactory,
  ) {}

  static async open(config: StreamsConfig, kafkaConfig: KafkaConfig, destinations: DestinationFactory): Promise<StreamsRuntime> {
    const kafka = createKafka({ brokers: kafkaConfig.brokers, clientId: `${kafkaConfig.KAFKA_CLIENT_ID}-streams` });
    const producer = createCompleteSendProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
    const admin = kafka.admin();
    await Promise.all([producer.connect(), admin.connect()]);
    const store = new StreamStore(kafka, producer, { definitions: config.STREAMS_DEFINITIONS_TOPIC, status: config.STREAMS_STATUS_TOPIC });
    await store.start();
    return new StreamsRuntime(kafka, producer, admin, store, destinations);
  }

  async onApplicationShutdown(): Promise<void> {
    this.destinations.close();
    await this.store.close();
    await Promise.all([this.producer.disconnect(), this.admin.disconnect()]);
  }
}

/** The key sealing destination secrets, when configured; validated when the module is built. */
class StreamSecrets {
  constructor(readonly cipher: SecretCipher | undefined) {}
}

/**
 * Outbound streams: `/v1/streams` (management; with QueryModule in the app, whose guard, audit
 * recorder — stream changes are audited like reads — and error shape it uses) and the delivery of
 * every stream (projections of the audit log to webhooks and SIEMs). With ClickHouseModule in the app, a stream whose start the
 * projection topic no longer holds is backfilled from ClickHouse; with ObservabilityModule, per
 * stream metrics. See libs/streams/README.md.
 */
@Module({})
export class StreamsModule {
  static forRoot(options: StreamsModuleOptions, config = loadConfig(StreamsConfig), kafkaConfig = loadConfig(KafkaConfig)): DynamicModule {
    let cipher: SecretCipher | undefined;
    if (config.STREAMS_SECRET_KEY) cipher = SecretCipher.fromKey(config.STREAMS_SECRET_KEY);
    else new Logger(StreamsModule.name).warn('STREAMS_SECRET_KEY is not set: streams with destination secrets can be neither created nor delivered');
    const destinations = new DestinationFactory(config);
    const providers: Provider[] = [
      { provide: StreamsConfig, useValue: config },
      { provide: StreamSecrets, useValue: new StreamSecrets(cipher) },
      { provide: DestinationFactory, useValue: destinations },
      { provide: StreamsRuntime, useFactory: () => StreamsRuntime.open(config, kafkaConfig, destinations) },
    ];
    const controllers: Array<new (...args: never[]) => unknown> = [];
    if (options.api) {
      controllers.push(StreamsController);
      providers.push({
        provide: StreamsService,
        inject: [StreamsRuntime, StreamSecrets, AUDIT_RECORDER],
        useFactory: (runtime: StreamsRuntime, secrets: StreamSecrets, recorder: AuditRecorder) =>
          new StreamsService(config, runtime.store, new StreamChangeTrail(recorder), destinations, secrets.cipher),
      });
    }
    if (options.delivery === true && config.STREAMS_DELIVERY) {
      providers.push({
        provide: StreamDelivery,
        inject: [StreamsRuntime, StreamSecrets, { token: CLICKHOUSE, optional: true }, { token: ClickHouseConfig, optional: true }, { token: StreamMetrics, optional: true }],
        useFactory: (runtime: StreamsRuntime, secrets: StreamSecrets, clickhouse?: ClickHouseHandle, clickhouseConfig?: ClickHouseConfig, metrics?: StreamMetrics) => {
          const lag = new ConsumerLagReader(runtime.kafka);
          const formatter = new RecordFormatterPool(config.STREAMS_FORMATTER_THREADS);
          return new StreamDelivery(
            new StreamSupervisor(
              {
                topic: config.AUDIT_STORED_TOPIC,
                groupPrefix: config.STREAMS_GROUP_PREFIX,
                statusIntervalMs: config.STREAMS_STATUS_INTERVAL_MS,
                maxEvents: config.STREAMS_BATCH_MAX_EVENTS,
                coverageIntervalMs: config.STREAMS_COVERAGE_INTERVAL_MS,
                failingAfterAttempts: config.STREAMS_FAILING_AFTER_ATTEMPTS,
                bufferEvents: config.STREAMS_BUFFER_EVENTS,
                sessionTimeoutMs: config.STREAMS_SESSION_TIMEOUT_MS,
                retry: new RetryPolicy({ initialMs: config.STREAMS_RETRY_INITIAL_MS, maxMs: config.STREAMS_RETRY_MAX_MS, retryAfterMaxMs: config.STREAMS_RETRY_AFTER_MAX_MS }),
              },
              {
                kafka: runtime.kafka,
                admin: runtime.admin,
                store: runtime.store,
                destinations,
                cipher: secrets.cipher,
                backfill: clickhouse && clickhouseConfig ? new BackfillReader(new AuditChainRepository(clickhouse.client, clickhouseConfig.CLICKHOUSE_DATABASE)) : undefined,
                formatter,
                lag,
                metrics,
              },
            ),
            lag,
            formatter,
          );
        },
      });
      providers.push({ provide: StreamDeliveryHealth, inject: [StreamDelivery], useFactory: (delivery: StreamDelivery) => new StreamDeliveryHealth(delivery) });
    }
    const delivering = options.delivery === true && config.STREAMS_DELIVERY;
    return { module: StreamsModule, controllers, providers, exports: delivering ? [StreamsConfig, StreamDelivery, StreamDeliveryHealth] : [StreamsConfig] };
  }
}
