import { AuditEventsReadRepository, CLICKHOUSE, ClickHouseConfig, type ClickHouseHandle } from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import { Module, type DynamicModule } from '@nestjs/common';
import { AuditLogsController } from './audit-logs/audit-logs.controller';
import { AuditLogsService } from './audit-logs/audit-logs.service';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
import { HealthController } from './health/health.controller';
import { QueryConfig } from './query.config';

/** The read side over HTTP. Needs ClickHouseModule in the app. */
@Module({})
export class QueryModule {
  static forRoot(config = loadConfig(QueryConfig)): DynamicModule {
    return {
      module: QueryModule,
      controllers: [AuditLogsController, HealthController],
      providers: [
        { provide: QueryConfig, useValue: config },
        {
          provide: AuditEventsReadRepository,
          inject: [CLICKHOUSE, ClickHouseConfig],
          useFactory: (clickhouse: ClickHouseHandle, clickhouseConfig: ClickHouseConfig) =>
            new AuditEventsReadRepository(clickhouse.client, clickhouseConfig.CLICKHOUSE_DATABASE),
        },
        AuditLogsService,
        JwtAuthGuard,
      ],
      exports: [QueryConfig],
    };
  }
}
