import { ClickHouseModule } from '@audit/clickhouse';
import { ConsoleModule } from '@audit/console';
import { QueryModule } from '@audit/query';
import { ObservabilityModule } from '@audit/observability';
import { StreamsModule } from '@audit/streams';
import { Module } from '@nestjs/common';

/** The query API on its own, for deployments with a ClickHouse server; streams are managed here and delivered by apps/stream-delivery. */
@Module({
  imports: [ObservabilityModule.forRoot({ app: 'query-api', opsPort: 3002 }), ClickHouseModule.forRoot(), QueryModule.forRoot(), StreamsModule.forRoot({ api: true }), ConsoleModule.forRoot()],
})
export class QueryApiModule {}
