import { CLICKHOUSE, ClickHouseConfig, type ClickHouseHandle } from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import { Global, Module, type DynamicModule } from '@nestjs/common';

/**
 * Lets Nest apps inside a test's process use the test's own migrated ClickHouse handle (chDB allows
 * one data directory per process; the test owns and closes the handle), as ClickHouseModule would.
 */
@Global()
@Module({})
export class SharedClickHouseModule {
  static of(handle: ClickHouseHandle, database: string): DynamicModule {
    return {
      module: SharedClickHouseModule,
      providers: [
        { provide: CLICKHOUSE, useValue: handle },
        { provide: ClickHouseConfig, useValue: loadConfig(ClickHouseConfig, { CLICKHOUSE_DATABASE: database }) },
      ],
      exports: [CLICKHOUSE, ClickHouseConfig],
    };
  }
}
