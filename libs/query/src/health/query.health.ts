import { CLICKHOUSE, type ClickHouseHandle } from '@audit/clickhouse';
import type { HealthCheck, Readiness } from '@audit/observability';
import { Inject, Injectable } from '@nestjs/common';
import { KafkaHealth } from './kafka.health';

/** Readiness of the query API (served on the operations listener): ClickHouse answers a query, and Kafka (where reads are recorded) answers. */
@Injectable()
export class QueryHealth implements HealthCheck {
  constructor(
    @Inject(CLICKHOUSE) private readonly clickhouse: ClickHouseHandle,
    private readonly kafka: KafkaHealth,
  ) {}

  async ready(): Promise<Readiness> {
    const [clickhouse, kafka] = await Promise.all([this.clickHouseUp(), this.kafka.check()]);
    const checks = { clickhouse: clickhouse ? 'up' : 'down', kafka: kafka ? 'up' : 'down' };
    return { ready: clickhouse && kafka, body: { status: clickhouse && kafka ? 'ok' : 'unavailable', checks } };
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
