import { ClickHouseModule } from '@audit/clickhouse';
import { IngestModule } from '@audit/ingest';
import { QueryModule } from '@audit/query';
import { Module } from '@nestjs/common';

/**
 * Ingestor and query API in one process. The embedded engine (chDB) locks its data directory to
 * one process, so on the embedded default both sides must share this process and its single
 * ClickHouse handle. With a ClickHouse server, run apps/ingestor and apps/query-api instead.
 */
@Module({
  imports: [ClickHouseModule.forRoot(), IngestModule.forRoot(), QueryModule.forRoot()],
})
export class AllInOneModule {}
