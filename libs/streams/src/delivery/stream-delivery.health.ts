import type { HealthCheck, Readiness } from '@audit/observability';
import type { StreamDelivery } from './stream-delivery';

/** Readiness of the standalone delivery (apps/stream-delivery, on its operations listener): its streams are started. */
export class StreamDeliveryHealth implements HealthCheck {
  constructor(private readonly delivery: StreamDelivery) {}

  async ready(): Promise<Readiness> {
    if (!this.delivery.started) return { ready: false, body: { status: 'starting' } };
    return { ready: true, body: { status: 'ok', streams: this.delivery.supervisor.running() } };
  }
}
