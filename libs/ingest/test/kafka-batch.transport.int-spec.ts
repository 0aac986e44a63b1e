import { createKafka } from '@audit/kafka';
import { createTestTopics, groupProgress, makeEvents, publish, startPrivateBroker, testBrokers, toMessage, uniqueName, waitFor, type PrivateBroker } from '@audit/testing';
import { Kafka, logLevel, type Consumer, type TopicPartitionOffsetAndMetadata } from 'kafkajs';
import { INGEST_BATCH_PATTERN, KafkaBatchTransport, type KafkaBatchTransportOptions, type PartitionBatch } from '../src';

jest.setTimeout(180_000);

/** Short retries and session, so the tests' faults resolve in seconds. */
const transportOptions = (topic: string, groupId: string, thresholds: KafkaBatchTransportOptions['thresholds']): KafkaBatchTransportOptions => ({
  topic,
  groupId,
  thresholds,
  maxBufferedBytes: 4 * 1024 * 1024,
  retryInitialMs: 100,
  retryMaxMs: 1000,
  sessionTimeoutMs: 6000,
});

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
    const transport = new KafkaBatchTransport(kafka, transportOptions(topic, groupId, { rows: 100, bytes: 1024 * 1024, ageMs: 100 }));
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

/**
 * Holds the first commit of the transport's consumer that matches `which` until `release()`, then
 * sends it: what kafkajs does with a commit that fails while the broker is away or the group
 * rebalances. Its consumer retries the commit for up to ~50 s (its retry settings), each attempt
 * with the generation and member id the consumer has *then*, so a commit a lane made before a
 * re-join reaches the broker after it, with the new generation, and is accepted.
 */
function holdOneCommit(kafka: Kafka, which: (offsets: TopicPartitionOffsetAndMetadata[]) => boolean) {
  let held!: () => void;
  const reached = new Promise<void>((resolve) => (held = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let armed = true;
  const createConsumer = kafka.consumer.bind(kafka);
  kafka.consumer = (config) => {
    const consumer: Consumer = createConsumer(config);
    const commit = consumer.commitOffsets.bind(consumer);
    consumer.commitOffsets = async (offsets) => {
      if (armed && which(offsets)) {
        armed = false;
        held();
        await released;
      }
      return commit(offsets);
    };
    return consumer;
  };
  return { reached, release };
}

/** ClickHouse's part: a block whose token was seen is dropped; each message offset counts once per stored block. */
function deduplicatingStore() {
  const tokens = new Set<string>();
  const stored = new Map<string, number>();
  return {
    handle: async (batch: PartitionBatch) => {
      if (tokens.has(batch.deduplicationToken)) return;
      tokens.add(batch.deduplicationToken);
      for (const message of batch.messages) stored.set(message.offset, (stored.get(message.offset) ?? 0) + 1);
    },
    offsets: () => stored.size,
    storedTwice: () => [...stored].filter(([, times]) => times > 1).map(([offset]) => Number(offset)),
  };
}

describe('KafkaBatchTransport when a commit of an earlier generation reaches the broker late', () => {
  // A member whose client id sorts after the transport's: kafkajs' round-robin assignment gives the
  // topic's one partition to the first member id, so the transport keeps it across the rebalance.
  const startRebalancer = async (groupId: string, topic: string) => {
    const consumer = createKafka({ brokers: testBrokers(), clientId: 'zz-rebalancer' }).consumer({ groupId, sessionTimeout: 6000 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatch: async () => undefined });
    return consumer;
  };

  it('should store each offset once when a pending range recorded before a re-join lands after the next generation has moved on', async () => {
    const kafka = createKafka({ brokers: testBrokers(), clientId: 'aa-transport-late-commit' });
    const { topic } = await createTestTopics(kafka, 1);
    const groupId = uniqueName('transport-late-commit');
    // The first pending range recorded after the warm-up is held.
    let warm = false;
    const commits = holdOneCommit(kafka, ([offset]) => warm && offset.metadata !== null);
    const transport = new KafkaBatchTransport(kafka, transportOptions(topic, groupId, { rows: 1000, bytes: 1024 * 1024, ageMs: 300 }));
    const store = deduplicatingStore();
    transport.addHandler(INGEST_BATCH_PATTERN, store.handle, true);
    await new Promise<void>((resolve, reject) => transport.listen((error) => (error ? reject(error) : resolve())));
    let rebalancer: Consumer | undefined;
    const committed = async () => (await groupProgress(kafka, topic, groupId).catch(() => undefined))?.committed ?? -1;
    const until = (what: string, done: () => Promise<boolean> | boolean, timeoutMs = 60_000) =>
      waitFor(async () => ((await done()) ? true : undefined), { what, timeoutMs, intervalMs: 100 }).catch((error: Error) => {
        throw new Error(`${error.message}; the transport: ${JSON.stringify(transport.diagnostics())}`);
      });
    try {
      await publish(kafka, topic, makeEvents(100).map(toMessage), 50);
      await until('100 committed', async () => (await committed()) >= 100);
      warm = true;

      // Generation 1 records the range 100-199; that commit is held (in kafkajs' retries).
      await publish(kafka, topic, makeEvents(100).map(toMessage), 50);
      await commits.reached;
      await publish(kafka, topic, makeEvents(50).map(toMessage), 50);

      // A member joins: the transport re-joins as generation 2 and goes on from what the broker has.
      const generation = transport.diagnostics().generation;
      rebalancer = await startRebalancer(groupId, topic);
      await until('the transport to re-join', () => transport.diagnostics().generation > generation);
      const rejoinedAt = Date.now();
      await until('generation 2 to commit 250 or 5 s to pass', async () => (await committed()) >= 250 || Date.now() - rejoinedAt > 5_000);

      // The held record of generation 1 reaches the broker now, with generation 2's credentials.
      commits.release();
      await sleep(1_000);

      // The member leaves: generation 3 replays whatever range the broker has recorded.
      const before = transport.diagnostics().generation;
      await rebalancer.disconnect();
      rebalancer = undefined;
      await until('the transport to re-join alone', () => transport.diagnostics().generation > before);
      await until('250 committed', async () => (await committed()) >= 250 && transport.diagnostics().lanes.every((lane) => lane.bufferedMessages === 0 && !lane.step));

      expect(store.storedTwice()).toEqual([]);
      expect(store.offsets()).toBe(250);
    } finally {
      commits.release();
      await rebalancer?.disconnect();
      await transport.close();
    }
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
