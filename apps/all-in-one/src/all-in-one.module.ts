import { ClickHouseModule } from '@audit/clickhouse';
import { ConsoleModule } from '@audit/console';
import { IngestModule } from '@audit/ingest';
import { QueryModule } from '@audit/query';
import { ObservabilityModule } from '@audit/observability';
import { StreamsModule } from '@audit/streams';
import { Module } from '@nestjs/common';

/**
 * Ingestor, query API and stream delivery in one process. The embedded engine (chDB) locks its
 * data directory to one process, so on the embedded default every side — stream backfills read
 * ClickHouse too — shares this process and its single ClickHouse handle. With a ClickHouse server,
 * run apps/ingestor, apps/query-api and apps/stream-delivery instead.
 */
@Module({
  imports: [
    ObservabilityModule.forRoot({ app: 'all-in-one', opsPort: 3002 }),
    ClickHouseModule.forRoot(),
    IngestModule.forRoot(),
    QueryModule.forRoot(),
    StreamsModule.forRoot({ api: true, delivery: true }),
    ConsoleModule.forRoot(),
  ],
})
export class AllInOneModule {}
