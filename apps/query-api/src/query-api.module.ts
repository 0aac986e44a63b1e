import { ClickHouseModule } from '@audit/clickhouse';
import { QueryModule } from '@audit/query';
import { Module } from '@nestjs/common';

/** The query API on its own, for deployments with a ClickHouse server. */
@Module({
  imports: [ClickHouseModule.forRoot(), QueryModule.forRoot()],
})
export class QueryApiModule {}
