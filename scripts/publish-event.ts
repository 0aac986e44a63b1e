// `npm run publish:event`: sends one valid audit event for the demo organization to the local
// broker, the way a product service would, so it can be read back from the query API.
import { AUDIT_EVENTS_TOPIC, makeAuditEvent, serializeAuditEvent, validateAuditEvent } from '@audit/contract';
import { KafkaConfig, createKafka } from '@audit/kafka';
import { loadConfig } from '@audit/config';

async function main(): Promise<void> {
  const config = loadConfig(KafkaConfig);
  const organizationId = process.argv[2] ?? 'org_demo';
  const result = validateAuditEvent(makeAuditEvent({ organizationId, action: 'role.change', resource: { type: 'Member', id: 'member_7' } }));
  if (!result.ok) throw new Error(JSON.stringify(result.violations));
  const producer = createKafka({ brokers: config.brokers, clientId: 'publish-event' }).producer({ idempotent: true });
  await producer.connect();
  await producer.send({ topic: AUDIT_EVENTS_TOPIC, acks: -1, messages: [{ key: organizationId, value: serializeAuditEvent(result.event) }] });
  await producer.disconnect();
  console.log(`published ${result.event.id} (${result.event.action} ${result.event.resource.type}) for ${organizationId}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
