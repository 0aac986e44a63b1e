import { createTestTopics, groupProgress, makeEvents, publish, startPrivateBroker, toMessage, uniqueName, waitFor, type PrivateBroker } from '@audit/testing';
import { Kafka, logLevel } from 'kafkajs';
import { INGEST_BATCH_PATTERN, KafkaBatchTransport, type PartitionBatch } from '../src';

jest.setTimeout(180_000);

describe('KafkaBatchTransport when its kafkajs consumer crashes', () => {
  let broker: PrivateBroker;

  beforeAll(async () => {
    broker = await startPrivateBroker();
  });

  afterAll(async () => {
    await broker?.destroy();
  });

  // kafkajs restarts a crashed consumer only after an error it deems retriable; after others (e.g.
  // KafkaJSGroupCoordinatorNotFound, when the coordinator lookup reaches a broker that is shutting
  // down) its consumer stays stopped. `restartOnFailure: false` puts kafkajs in that state on
  // whatever crash the broker's absence causes, so the test does not depend on hitting that race.
  it('should restart a consumer that kafkajs leaves stopped after a crash, and commit everything published after the broker returns', async () => {
    const kafka = new Kafka({
      clientId: 'transport-crash',
      brokers: broker.brokers,
      logLevel: logLevel.NOTHING,
      retry: { initialRetryTime: 100, retries: 3, maxRetryTime: 1000, restartOnFailure: async () => false },
    });
    const { topic } = await createTestTopics(kafka, 2);
    const groupId = uniqueName('transport-crash');
    const transport = new KafkaBatchTransport(kafka, {
      topic,
      groupId,
      thresholds: { rows: 100, bytes: 1024 * 1024, ageMs: 100 },
      maxBufferedBytes: 4 * 1024 * 1024,
      retryInitialMs: 100,
      retryMaxMs: 1000,
      sessionTimeoutMs: 6000,
    });
    const stored = new Set<string>();
    transport.addHandler(INGEST_BATCH_PATTERN, async (batch: PartitionBatch) => {
      for (const message of batch.messages) stored.add(`${batch.partition}:${message.offset}`);
    }, true);
    await new Promise<void>((resolve, reject) => transport.listen((error) => (error ? reject(error) : resolve())));
    try {
      const committedAll = (count: number) =>
        waitFor(
          async () => {
            const progress = await groupProgress(kafka, topic, groupId).catch(() => undefined);
            return progress && progress.end >= count && progress.committed >= progress.end ? true : undefined;
          },
          { what: `the group to commit all ${count} messages`, timeoutMs: 60_000, intervalMs: 250 },
        ).catch((error: Error) => {
          throw new Error(`${error.message}; the transport: ${JSON.stringify(transport.diagnostics())}`);
        });
      await publish(kafka, topic, makeEvents(300).map(toMessage), 50);
      await committedAll(300);

      const before = transport.diagnostics().lastCrash;
      await broker.stop();
      await waitFor(async () => (transport.diagnostics().lastCrash !== before ? true : undefined), { what: 'the consumer to crash without its broker', timeoutMs: 60_000 });
      expect(transport.diagnostics().lastCrash?.restartedBy).toBe('transport');
      expect(transport.isReady()).toBe(false);
      await broker.start();

      await publish(kafka, topic, makeEvents(300).map(toMessage), 50);
      await committedAll(600);
      expect(transport.isReady()).toBe(true);
      expect(stored.size).toBe(600);
    } finally {
      await transport.close();
    }
  });
});
