import { ClickHouseModule } from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import { IngestConfig, IngestModule } from '@audit/ingest';
import { KafkaConfig } from '@audit/kafka';
import { ObservabilityModule } from '@audit/observability';
import { Module } from '@nestjs/common';

/** The ingestor on its own; run several in one consumer group against a ClickHouse server. */
@Module({
  imports: [ObservabilityModule.forRoot({ app: 'ingestor' }), ClickHouseModule.forRoot(), IngestModule.forRoot(loadConfig(IngestConfig), loadConfig(KafkaConfig), { health: true })],
})
export class IngestorModule {}
