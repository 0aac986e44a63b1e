import { CLICKHOUSE, ClickHouseConfig, AuditEventsWriteRepository, type ClickHouseHandle } from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import { KafkaConfig, auditTopics, createKafka, ensureTopics } from '@audit/kafka';
import { Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown, type DynamicModule } from '@nestjs/common';
import { AuditEventsConsumer } from './audit-events.consumer';
import { IngestConfig } from './ingest.config';

@Injectable()
class IngestLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(private readonly consumer: AuditEventsConsumer) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
  }
}

/** The ingest side: consumes audit events and stores them. Needs ClickHouseModule in the app. */
@Module({})
export class IngestModule {
  static forRoot(config = loadConfig(IngestConfig), kafkaConfig = loadConfig(KafkaConfig)): DynamicModule {
    return {
      module: IngestModule,
      providers: [
        {
          provide: AuditEventsConsumer,
          inject: [CLICKHOUSE, ClickHouseConfig],
          useFactory: async (clickhouse: ClickHouseHandle, clickhouseConfig: ClickHouseConfig) => {
            const kafka = createKafka({ brokers: kafkaConfig.brokers, clientId: `${kafkaConfig.KAFKA_CLIENT_ID}-ingestor` });
            await ensureTopics(
              kafka,
              auditTopics(kafkaConfig.AUDIT_TOPIC_PARTITIONS, kafkaConfig.AUDIT_TOPIC_RETENTION_MS, { main: config.AUDIT_TOPIC, dlq: config.AUDIT_DLQ_TOPIC }),
            );
            const writer = new AuditEventsWriteRepository(clickhouse.client, clickhouseConfig.CLICKHOUSE_DATABASE);
            return new AuditEventsConsumer(kafka, writer, { topic: config.AUDIT_TOPIC, dlqTopic: config.AUDIT_DLQ_TOPIC, groupId: config.INGEST_GROUP_ID });
          },
        },
        IngestLifecycle,
      ],
    };
  }
}
