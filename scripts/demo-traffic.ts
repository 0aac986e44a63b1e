// Demo traffic for `npm start`: the product-service side of the pipeline, through the producer
// library, so the Auditing console of the demo organization is never empty. On a stack whose demo
// organization has no events yet it backfills 30 days of history, then records a new event every
// few seconds until stopped. `npm start` runs it once the API is ready; DEMO_TRAFFIC=0 turns it off.
import { AUDIT_EVENTS_TOPIC } from '@audit/contract';
import { AuditProducer } from '@audit/producer';
import { demoEvent } from '@audit/demo';

const DAY = 86_400_000;
const HISTORY_EVENTS = 300;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required (npm start sets it)`);
  return value;
}

/** Whether the demo organization already has events: then a restart does not backfill again. */
async function hasEvents(apiUrl: string, token: string): Promise<boolean> {
  const from = new Date(Date.now() - 90 * DAY).toISOString();
  const response = await fetch(`${apiUrl}/v1/audit-logs?limit=1&from=${encodeURIComponent(from)}&resourceType=Member&resourceType=Session`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!response.ok) throw new Error(`GET /v1/audit-logs answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { data: unknown[] }).data.length > 0;
}

async function main(): Promise<void> {
  const organizationId = required('DEMO_ORGANIZATION');
  const producer = new AuditProducer({
    brokers: required('KAFKA_BROKERS').split(','),
    clientId: 'demo-traffic',
    topic: process.env.AUDIT_TOPIC ?? AUDIT_EVENTS_TOPIC,
    exitHooks: false,
  });
  let timer: NodeJS.Timeout | undefined;
  const stop = async () => {
    clearTimeout(timer);
    await producer.close({ timeoutMs: 5_000 });
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());

  let n = 0;
  if (!(await hasEvents(required('API_URL'), required('DEMO_TOKEN')))) {
    const now = Date.now();
    for (; n < HISTORY_EVENTS; n += 1) {
      // Spread over 30 days, busier in working hours: a spacing that varies with n, oldest first.
      const ago = ((HISTORY_EVENTS - n) / HISTORY_EVENTS) * 30 * DAY - ((n * 7919) % 3_600_000);
      void producer.record(demoEvent(organizationId, n, new Date(now - ago)));
    }
    await producer.flush();
    console.log(`[demo] recorded ${HISTORY_EVENTS} events of the last 30 days for ${organizationId}`);
  }
  const tick = () => {
    void producer.record(demoEvent(organizationId, n, new Date()));
    n += 1;
    timer = setTimeout(tick, 4_000 + ((n * 2_654_435_761) % 8_000));
  };
  tick();
}

main().catch((error: unknown) => {
  console.error(`[demo] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
