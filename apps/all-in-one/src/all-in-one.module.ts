import { ClickHouseModule } from '@audit/clickhouse';
import { ConsoleModule } from '@audit/console';
import { IngestModule } from '@audit/ingest';
import { QueryModule } from '@audit/query';
import { ObservabilityModule } from '@audit/observability';
import { Module } from '@nestjs/common';

/**
 * Ingestor and query API in one process. The embedded engine (chDB) locks its data directory to
 * one process, so on the embedded default both sides must share this process and its single
 * ClickHouse handle. With a ClickHouse server, run apps/ingestor and apps/query-api instead.
 */
@Module({
  imports: [ObservabilityModule.forRoot({ app: 'all-in-one', opsPort: 3002 }), ClickHouseModule.forRoot(), IngestModule.forRoot(), QueryModule.forRoot(), ConsoleModule.forRoot()],
})
export class AllInOneModule {}
