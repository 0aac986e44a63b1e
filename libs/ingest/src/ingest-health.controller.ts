import { CLICKHOUSE, type ClickHouseHandle } from '@audit/clickhouse';
import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { KafkaBatchTransport } from './kafka-batch.transport';

/** Health of the standalone ingestor (the all-in-one runtime uses the query API's). */
@Controller('health')
export class IngestHealthController {
  constructor(
    private readonly transport: KafkaBatchTransport,
    @Inject(CLICKHOUSE) private readonly clickhouse: ClickHouseHandle,
  ) {}

  /** The process answers. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** In the consumer group with an assignment, and ClickHouse answers. */
  @Get('ready')
  async ready(): Promise<{ status: 'ok'; partitions: number[]; bufferedBytes: number }> {
    const ping = await this.clickhouse.client.ping();
    if (!this.transport.isReady() || !ping.success) {
      throw new ServiceUnavailableException({ status: 'unavailable', consumer: this.transport.isReady(), clickhouse: ping.success });
    }
    const { assigned, bufferedBytes } = this.transport.stats();
    return { status: 'ok', partitions: assigned, bufferedBytes };
  }
}
