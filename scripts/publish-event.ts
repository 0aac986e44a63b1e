// `npm run publish:event`: sends one valid audit event for the demo organization to the local
// broker, the way a product service would (AuditProducer), so it can be read back from the query API.
import 'reflect-metadata';
import { loadConfig } from '@audit/config';
import { AUDIT_EVENTS_TOPIC, uuidv7 } from '@audit/contract';
import { KafkaConfig } from '@audit/kafka';
import { AuditProducer } from '@audit/producer';

async function main(): Promise<void> {
  const config = loadConfig(KafkaConfig);
  const organizationId = process.argv[2] ?? 'org_demo';
  const producer = new AuditProducer({ brokers: config.brokers, clientId: 'publish-event', topic: process.env.AUDIT_TOPIC ?? AUDIT_EVENTS_TOPIC });
  try {
    const event = {
      id: uuidv7(),
      organizationId,
      actor: { id: 'user_1', type: 'user' as const, name: 'Ada Lovelace', email: 'ada@acme.test', ip: '203.0.113.7' },
      action: 'role.change',
      resource: { type: 'Member', id: 'member_7', name: 'Grace Hopper' },
      status: 'success' as const,
      changes: [{ field: 'role', before: 'member', after: 'admin' }],
    };
    await producer.record(event);
    console.log(`published ${event.id} (${event.action} ${event.resource.type}) for ${organizationId}`);
  } finally {
    await producer.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
