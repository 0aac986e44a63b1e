// A plain Node process (a job, a worker, a CLI) recording audit events without NestJS.
import 'reflect-metadata';
import { loadConfig } from '@audit/config';
import { AuditEventValidationError, AuditProducer } from '@audit/producer';
import { ExampleConfig } from './example.config';

async function main(): Promise<void> {
  const config = loadConfig(ExampleConfig);
  const producer = new AuditProducer({ brokers: config.brokers, clientId: `${config.KAFKA_CLIENT_ID}-example-script`, topic: config.AUDIT_TOPIC });
  try {
    // The common path: fire and forget. Validation is synchronous; delivery happens in the background.
    void producer.record({
      organizationId: 'org_demo',
      actor: { id: 'svc_nightly_export', type: 'service', name: 'nightly export' },
      action: 'export',
      resource: { type: 'Organization', id: 'org_demo' },
      status: 'success',
      metadata: { rows: 1250, format: 'csv' },
    });

    // When the caller must know the event is durable (e.g. before deleting the data it describes): await it.
    await producer.record({
      organizationId: 'org_demo',
      actor: { id: 'svc_retention', type: 'system' },
      action: 'delete',
      resource: { type: 'Session', id: 'session_2024_0007' },
      status: 'success',
      reason: 'retention period of 365 days elapsed',
    });

    // A malformed event is refused at once, with every violation named.
    try {
      void producer.record({ organizationId: 'org_demo', actor: { id: 'u1', type: 'user' }, action: 'Delete Everything', resource: { type: 'session', id: 's1' }, status: 'success' });
    } catch (error) {
      if (!(error instanceof AuditEventValidationError)) throw error;
      console.log(`refused: ${error.violations.map((v) => `${v.field} (${v.rule})`).join(', ')}`);
    }
  } finally {
    // Flushes what is buffered, then disconnects. A script must call it: open sockets keep Node alive.
    await producer.close();
  }
  console.log('recorded 2 audit events');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
