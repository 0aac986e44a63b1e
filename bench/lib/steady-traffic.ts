import { loadConfig } from '@audit/config';
import { createKafka, KafkaConfig } from '@audit/kafka';
import { generatedEvent, toMessage } from '@audit/testing';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Events a steady run of `rate` per second for `seconds` publishes. */
export function steadyEventCount(rate: number, seconds: number): number {
  return Math.round(rate * seconds);
}

const MAX_EVENTS_PER_SEND = 10_000;

/**
 * Publishes `rate` events/s for `seconds` with an idempotent kafkajs producer (acks all), one send
 * in flight carrying every event that has come due since the last (occurredAt = its send time), so
 * a slow moment is caught up rather than queued; event indexes start at `firstIndex`. Resolves
 * with the seconds it took (more than `seconds` when the machine could not keep the rate). Meant
 * for a process of its own, so the sender's CPU is not the measured side's. Plain kafkajs rather
 * than AuditProducer: on a shared machine the producer's own validation must not limit the rate.
 */
export async function produceSteadily(topic: string, rate: number, seconds: number, firstIndex = 0): Promise<number> {
  const producer = createKafka({ brokers: loadConfig(KafkaConfig).brokers, clientId: 'bench-steady' }).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const total = steadyEventCount(rate, seconds);
  const started = performance.now();
  for (let sent = 0; sent < total; ) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
    if (due <= sent) {
      await sleep(10);
      continue;
    }
    const count = Math.min(due - sent, MAX_EVENTS_PER_SEND);
    const now = new Date().toISOString();
    await producer.send({ topic, acks: -1, messages: Array.from({ length: count }, (_, j) => toMessage(generatedEvent(firstIndex + sent + j, { occurredAt: now }))) });
    sent += count;
  }
  await producer.disconnect();
  return (performance.now() - started) / 1000;
}
