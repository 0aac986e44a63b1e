import { ClickHouseModule } from '@audit/clickhouse';
import { IngestModule } from '@audit/ingest';
import { Module } from '@nestjs/common';

/** The ingestor on its own; run several in one consumer group against a ClickHouse server. */
@Module({
  imports: [ClickHouseModule.forRoot(), IngestModule.forRoot()],
})
export class IngestorModule {}
