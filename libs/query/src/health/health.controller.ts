import { CLICKHOUSE, type ClickHouseHandle } from '@audit/clickhouse';
import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { KafkaHealth } from './kafka.health';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(CLICKHOUSE) private readonly clickhouse: ClickHouseHandle,
    private readonly kafka: KafkaHealth,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up.' })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'The process can serve: ClickHouse answers a query and Kafka (where reads are recorded) answers.' })
  async ready(@Res({ passthrough: true }) response: Response) {
    const [clickhouse, kafka] = await Promise.all([this.clickHouseUp(), this.kafka.check()]);
    const checks = { clickhouse: clickhouse ? 'up' : 'down', kafka: kafka ? 'up' : 'down' };
    if (clickhouse && kafka) return { status: 'ok', checks };
    response.status(HttpStatus.SERVICE_UNAVAILABLE);
    return { status: 'unavailable', checks };
  }

  private async clickHouseUp(): Promise<boolean> {
    try {
      await (await this.clickhouse.client.query({ query: 'SELECT 1 SETTINGS max_execution_time = 5', format: 'JSONEachRow' })).json();
      return true;
    } catch {
      return false;
    }
  }
}
