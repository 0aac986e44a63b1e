import { ClickHouseModule } from '@audit/clickhouse';
import { IngestModule } from '@audit/ingest';
import { ObservabilityModule } from '@audit/observability';
import { Module } from '@nestjs/common';

/** The ingestor on its own; run several in one consumer group against a ClickHouse server. */
@Module({
  imports: [ObservabilityModule.forRoot({ app: 'ingestor', opsPort: 3001 }), ClickHouseModule.forRoot(), IngestModule.forRoot()],
})
export class IngestorModule {}
