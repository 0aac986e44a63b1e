import { loadConfig } from '@audit/config';
import { makeAuditEvent, serializeAuditEvent, uuidv7 } from '@audit/contract';
import { createKafka, KafkaConfig } from '@audit/kafka';
import type { Message } from 'kafkajs';

const ACTIONS = ['create', 'update', 'delete', 'view', 'login', 'invite', 'role.change', 'export'];
const TYPES = ['Member', 'Organization', 'Session', 'Patient', 'ApiKey'];

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** A realistic event of one of 200 tenants as a Kafka message, with changes and metadata on some. */
function benchEventMessage(index: number, occurredAt: string): Message {
  const event = makeAuditEvent({
    id: uuidv7(Date.parse(occurredAt)),
    occurredAt,
    organizationId: `org_${index % 200}`,
    action: ACTIONS[index % ACTIONS.length],
    status: index % 20 === 0 ? 'failure' : 'success',
    actor: { id: `user_${index % 5000}`, email: `user${index % 5000}@tenant${index % 200}.example.com`, ip: `10.0.${index % 256}.${(index * 7) % 256}` },
    resource: { type: TYPES[index % TYPES.length], id: `res_${index}`, name: `Resource ${index}` },
    requestId: `req_${index}`,
    ...(index % 2 === 0 && { changes: [{ field: 'role', before: 'member', after: 'admin' }] }),
    ...(index % 3 === 0 && { metadata: { plan: 'enterprise', seats: 25, sso: true } }),
  });
  return { key: event.organizationId, value: serializeAuditEvent(event) };
}

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
    await producer.send({ topic, acks: -1, messages: Array.from({ length: count }, (_, j) => benchEventMessage(firstIndex + sent + j, now)) });
    sent += count;
  }
  await producer.disconnect();
  return (performance.now() - started) / 1000;
}
