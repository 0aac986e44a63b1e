import { Global, Inject, Injectable, Module, OnApplicationShutdown, type DynamicModule } from '@nestjs/common';
import { loadConfig } from '@audit/config';
import { ClickHouseConfig } from './clickhouse.config';
import { createClickHouseClient, type ClickHouseHandle } from './clickhouse-client.factory';
import { runMigrations } from './schema/migration.runner';

/** Injection token of the shared {@link ClickHouseHandle}. */
export const CLICKHOUSE = Symbol('CLICKHOUSE');

@Injectable()
class ClickHouseLifecycle implements OnApplicationShutdown {
  constructor(@Inject(CLICKHOUSE) private readonly handle: ClickHouseHandle) {}

  async onApplicationShutdown(): Promise<void> {
    await this.handle.client.close();
  }
}

/**
 * Provides one ClickHouse handle per application, migrated before anything uses it. Global, so the
 * all-in-one runtime's ingest and query modules share the single chDB session a process may hold.
 */
@Global()
@Module({})
export class ClickHouseModule {
  static forRoot(config: ClickHouseConfig = loadConfig(ClickHouseConfig)): DynamicModule {
    return {
      module: ClickHouseModule,
      providers: [
        { provide: ClickHouseConfig, useValue: config },
        {
          provide: CLICKHOUSE,
          useFactory: async (): Promise<ClickHouseHandle> => {
            const handle = createClickHouseClient({ url: config.CLICKHOUSE_URL, dataPath: config.CLICKHOUSE_DATA_PATH });
            await runMigrations(handle.client, {
              database: config.CLICKHOUSE_DATABASE,
              retentionDays: config.AUDIT_RETENTION_DAYS,
              topology: config.CLICKHOUSE_TOPOLOGY,
              cluster: config.CLICKHOUSE_CLUSTER,
            });
            return handle;
          },
        },
        ClickHouseLifecycle,
      ],
      exports: [CLICKHOUSE, ClickHouseConfig],
    };
  }
}
