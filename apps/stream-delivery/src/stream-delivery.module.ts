import { ClickHouseModule } from '@audit/clickhouse';
import { ObservabilityModule } from '@audit/observability';
import { StreamsModule } from '@audit/streams';
import { Module } from '@nestjs/common';

/**
 * Stream delivery on its own (server mode: ClickHouse by URL, for backfills): every stream's
 * consumer, sender and status; `/metrics` and `/health/*` on its operations listener (OPS_PORT,
 * default 3003). Run one per deployment beside the ingestors and query APIs; on the embedded
 * default, apps/all-in-one delivers instead.
 */
@Module({
  imports: [ObservabilityModule.forRoot({ app: 'stream-delivery', opsPort: 3003 }), ClickHouseModule.forRoot(), StreamsModule.forRoot({ delivery: true })],
})
export class StreamDeliveryModule {}
