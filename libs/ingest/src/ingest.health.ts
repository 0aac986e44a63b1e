import { CLICKHOUSE, type ClickHouseHandle } from '@audit/clickhouse';
import type { HealthCheck, Readiness } from '@audit/observability';
import { Inject, Injectable } from '@nestjs/common';
import { KafkaBatchTransport } from './transport/kafka-batch.transport';

/** Readiness of the standalone ingestor (served on its operations listener): in the consumer group with an assignment, and ClickHouse answers. */
@Injectable()
export class IngestHealth implements HealthCheck {
  constructor(
    private readonly transport: KafkaBatchTransport,
    @Inject(CLICKHOUSE) private readonly clickhouse: ClickHouseHandle,
  ) {}

  async ready(): Promise<Readiness> {
    const ping = await this.clickhouse.client.ping();
    const consuming = this.transport.isReady();
    if (!consuming || !ping.success) return { ready: false, body: { status: 'unavailable', consumer: consuming, clickhouse: ping.success } };
    const { assigned, bufferedBytes } = this.transport.stats();
    return { ready: true, body: { status: 'ok', partitions: assigned, bufferedBytes } };
  }
}
