import { CLICKHOUSE, type ClickHouseHandle } from '@audit/clickhouse';
import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';

@Controller('health')
export class HealthController {
  constructor(@Inject(CLICKHOUSE) private readonly clickhouse: ClickHouseHandle) {}

  /** The process is up. */
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** The process can serve reads: ClickHouse answers a query. */
  @Get('ready')
  async ready() {
    try {
      await (await this.clickhouse.client.query({ query: 'SELECT 1', format: 'JSONEachRow' })).json();
    } catch {
      throw new ServiceUnavailableException({ status: 'unavailable', checks: { clickhouse: 'down' } });
    }
    return { status: 'ok', checks: { clickhouse: 'up' } };
  }
}
