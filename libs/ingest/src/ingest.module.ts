import { AuditChainHeadsReader, AuditEventsWriteRepository, CLICKHOUSE, ClickHouseConfig, type ClickHouseHandle } from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import { ConsumerLagReader, KafkaConfig, auditTopics, createCompleteSendProducer, createKafka, ensureTopics } from '@audit/kafka';
import { RetentionPolicy } from '@audit/integrity';
import { IngestMetrics } from '@audit/observability';
import { Module, type DynamicModule, type INestApplication, type OnApplicationShutdown } from '@nestjs/common';
import type { MicroserviceOptions } from '@nestjs/microservices';
import type { Kafka, Producer } from 'kafkajs';
import { AuditBatchController } from './ingester/audit-batch.controller';
import { AuditBatchIngester } from './ingester/audit-batch.ingester';
import { BlockEncoder } from './encoding/block-encoder.pool';
import { ChainHeadsCache } from './chain/chain-heads.cache';
import { DeadLetterPublisher } from './dead-letters/dead-letter.publisher';
import { IngestConfig } from './ingest.config';
import { IngestHealth } from './ingest.health';
import { KafkaBatchTransport } from './transport/kafka-batch.transport';
import { signedAnchorProviders } from './chain/signed-anchor.providers';
import { StoredEventsPublisher } from './projection/stored-events.publisher';

/** The Kafka clients of the ingest side (dead-letter producer, lag reader); they close at shutdown. */
class IngestKafkaClients implements OnApplicationShutdown {
  readonly lag: ConsumerLagReader;

  constructor(
    readonly kafka: Kafka,
    readonly producer: Producer,
  ) {
    this.lag = new ConsumerLagReader(kafka);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
    await this.lag.close();
  }
}

/**
 * The ingest side: a {@link KafkaBatchTransport} and the handler of its blocks. Needs
 * ClickHouseModule in the app; start consuming with {@link startIngestion} after creating the app.
 */
@Module({})
export class IngestModule {
  static forRoot(config = loadConfig(IngestConfig), kafkaConfig = loadConfig(KafkaConfig)): DynamicModule {
    return {
      module: IngestModule,
      controllers: [AuditBatchController],
      providers: [
        { provide: IngestConfig, useValue: config },
        {
          provide: IngestKafkaClients,
          useFactory: async () => {
            const kafka = createKafka({
              brokers: kafkaConfig.brokers,
              clientId: `${kafkaConfig.KAFKA_CLIENT_ID}-ingestor`,
              maxDecompressedBatchBytes: config.INGEST_MAX_DECOMPRESSED_BATCH_BYTES,
            });
            await ensureTopics(
              kafka,
              auditTopics(kafkaConfig.AUDIT_TOPIC_PARTITIONS, kafkaConfig.AUDIT_TOPIC_RETENTION_MS, {
                main: config.AUDIT_TOPIC,
                dlq: config.AUDIT_DLQ_TOPIC,
                stored: config.AUDIT_STORED_TOPIC,
              }),
            );
            const producer = createCompleteSendProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
            await producer.connect();
            return new IngestKafkaClients(kafka, producer);
          },
        },
        {
          provide: KafkaBatchTransport,
          inject: [IngestKafkaClients, { token: IngestMetrics, optional: true }],
          useFactory: ({ kafka, lag }: IngestKafkaClients, metrics?: IngestMetrics) => {
            const transport = new KafkaBatchTransport(kafka, {
              topic: config.AUDIT_TOPIC,
              groupId: config.INGEST_GROUP_ID,
              thresholds: { rows: config.INGEST_FLUSH_ROWS, bytes: config.INGEST_FLUSH_BYTES, ageMs: config.INGEST_FLUSH_INTERVAL_MS },
              maxBufferedBytes: config.INGEST_MAX_BUFFERED_BYTES,
              retryInitialMs: config.INGEST_RETRY_INITIAL_MS,
              retryMaxMs: config.INGEST_RETRY_MAX_MS,
              sessionTimeoutMs: config.INGEST_SESSION_TIMEOUT_MS,
            });
            // With ObservabilityModule in the app: paused partitions, retries and lag, read at scrape time.
            if (metrics) {
              metrics.trackTransport(config.AUDIT_TOPIC, () => transport.stats());
              metrics.trackLag(() => lag.read(config.INGEST_GROUP_ID, config.AUDIT_TOPIC));
            }
            return transport;
          },
        },
        { provide: BlockEncoder, useFactory: () => new BlockEncoder(config.INGEST_ENCODER_THREADS) },
        { provide: StoredEventsPublisher, inject: [IngestKafkaClients], useFactory: ({ producer }: IngestKafkaClients) => new StoredEventsPublisher(producer, config.AUDIT_STORED_TOPIC) },
        {
          provide: AuditBatchIngester,
          inject: [CLICKHOUSE, ClickHouseConfig, IngestKafkaClients, BlockEncoder, StoredEventsPublisher, { token: IngestMetrics, optional: true }],
          useFactory: (
            clickhouse: ClickHouseHandle,
            clickhouseConfig: ClickHouseConfig,
            { producer }: IngestKafkaClients,
            encoder: BlockEncoder,
            stored: StoredEventsPublisher,
            metrics?: IngestMetrics,
          ) =>
            new AuditBatchIngester(
              new AuditEventsWriteRepository(clickhouse.client, clickhouseConfig.CLICKHOUSE_DATABASE, clickhouse.chdb),
              new DeadLetterPublisher(producer, config.AUDIT_TOPIC, config.AUDIT_DLQ_TOPIC),
              {
                chains: config.INGEST_HASH_CHAIN ? new ChainHeadsCache(new AuditChainHeadsReader(clickhouse.client, clickhouseConfig.CLICKHOUSE_DATABASE)) : undefined,
                retentionDaysFor: RetentionPolicy.fromConfig(clickhouseConfig).retentionDaysFor,
                observer: metrics,
                encoder,
                stored: config.INGEST_HASH_CHAIN && config.INGEST_PUBLISH_STORED ? stored : undefined,
              },
            ),
        },
        ...signedAnchorProviders(config),
        IngestHealth,
      ],
      exports: [IngestConfig, KafkaBatchTransport, IngestHealth],
    };
  }
}

/**
 * Connects the batching transport to an app built with IngestModule and starts consuming.
 * `app.close()` (SIGTERM with shutdown hooks) flushes and commits before ClickHouse closes.
 */
export async function startIngestion(app: INestApplication): Promise<KafkaBatchTransport> {
  const transport = app.get(KafkaBatchTransport);
  app.connectMicroservice<MicroserviceOptions>({ strategy: transport }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  return transport;
}
