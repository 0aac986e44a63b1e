// AuditProducer against the real broker started by `npm test`: order, completeness across close()
// and a broker restart, buffer policies, and that malformed events never reach the topic — with
// kafkajs in the worker thread (the default) and on the caller's event loop; and that a worker
// thread that dies loses nothing.
import { makeAuditEvent, type AuditEvent } from '@audit/contract';
import { createKafka } from '@audit/kafka';
import { createTestTopics, readTopic, startPrivateBroker, testBrokers, testKafka } from '@audit/testing';
import type { Kafka, ProducerRecord } from 'kafkajs';
import type { Worker } from 'node:worker_threads';
import {
  AuditBufferFullError,
  AuditEventValidationError,
  AuditProducer,
  AuditProducerWorkerError,
  type AuditEventInput,
  type AuditProducerOptions,
  type KafkaProducerLike,
  type KafkaThread,
} from '../src';
import { KafkaWorkerProducer, startKafkaWorker } from '../src/kafka-worker.producer';

jest.setTimeout(120_000);

const kafka = testKafka('producer-int');
const silentLogger = { warn: () => undefined, error: () => undefined };

function input(organizationId: string, sequence: number): AuditEventInput {
  const { id: _id, occurredAt: _occurredAt, ...rest } = makeAuditEvent({ organizationId });
  return { ...rest, resource: { type: 'Member', id: `m_${sequence}` }, metadata: { sequence } };
}

const eventsOf = async (topic: string, count: number, from: Kafka = kafka) => (await readTopic(from, topic, { count })).map((m) => ({ key: m.key, partition: m.partition, event: JSON.parse(m.value ?? '') as AuditEvent }));

describe.each<KafkaThread>(['worker', 'caller'])('AuditProducer with a real broker, kafkajs in the %s thread', (kafkaThread) => {
  function producerFor(topic: string, options: Partial<AuditProducerOptions> = {}): AuditProducer {
    return new AuditProducer({ brokers: testBrokers(), topic, exitHooks: false, logger: silentLogger, kafkaThread, ...options });
  }

  it('keeps each organization’s events in recording order, keyed by organization', async () => {
    const { topic } = await createTestTopics(kafka, 3);
    const producer = producerFor(topic, { maxBatchEvents: 50 });
    const organizations = ['org_a', 'org_b', 'org_c', 'org_d'];
    for (let sequence = 0; sequence < 400; sequence += 1) void producer.record(input(organizations[sequence % 4], sequence));
    await producer.close();

    const read = await eventsOf(topic, 400);
    expect(read).toHaveLength(400);
    for (const organization of organizations) {
      const own = read.filter((m) => m.event.organizationId === organization);
      expect(own.every((m) => m.key === organization && m.partition === own[0].partition)).toBe(true);
      const sequences = own.map((m) => m.event.metadata?.sequence as number);
      expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
      expect(sequences).toHaveLength(100);
    }
  });

  it('delivers every recorded event when closed right after recording', async () => {
    const { topic } = await createTestTopics(kafka, 3);
    const producer = producerFor(topic, { lingerMs: 50 });
    for (let sequence = 0; sequence < 1_000; sequence += 1) void producer.record(input(`org_${sequence % 7}`, sequence));
    await producer.close();

    const ids = new Set((await eventsOf(topic, 1_000)).map((m) => m.event.id));
    expect(ids.size).toBe(1_000);
  });

  it('loses nothing when the broker restarts in the middle of a run', async () => {
    const broker = await startPrivateBroker();
    try {
      const privateKafka = createKafka({ brokers: broker.brokers, clientId: 'producer-restart' });
      const { topic } = await createTestTopics(privateKafka, 3);
      const producer = new AuditProducer({ brokers: broker.brokers, topic, exitHooks: false, logger: silentLogger, kafkaThread, retryInitialMs: 200, retryMaxMs: 1_000 });
      const before = Array.from({ length: 100 }, (_, sequence) => producer.record(input('org_restart', sequence)));
      await Promise.all(before);

      await broker.stop();
      // Recorded while the broker is down: accepted, buffered, acknowledged after the restart.
      const during = Array.from({ length: 100 }, (_, i) => producer.record(input('org_restart', 100 + i)));
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await broker.start();
      await Promise.all(during);
      await producer.close();

      const sequences = (await eventsOf(topic, 200, privateKafka)).map((m) => m.event.metadata?.sequence as number);
      expect(new Set(sequences).size).toBe(200);
      // Retries may repeat a batch (the ingestor drops repeats by event id) but never reorder one tenant.
      const firstSeen = sequences.filter((sequence, index) => sequences.indexOf(sequence) === index);
      expect(firstSeen).toEqual([...firstSeen].sort((a, b) => a - b));
    } finally {
      await broker.destroy();
    }
  });

  it('refuses at once when the buffer is full under the reject policy', async () => {
    const { topic } = await createTestTopics(kafka, 1);
    const producer = producerFor(topic, { maxBufferedEvents: 5, bufferFullPolicy: 'reject' });
    const accepted = Array.from({ length: 5 }, (_, sequence) => producer.record(input('org_full', sequence)));
    expect(() => producer.record(input('org_full', 5))).toThrow(AuditBufferFullError);
    await Promise.all(accepted);
    void producer.record(input('org_full', 6));
    await producer.close();

    expect((await eventsOf(topic, 6)).map((m) => m.event.metadata?.sequence)).toEqual([0, 1, 2, 3, 4, 6]);
  });

  it('waits for room when the buffer is full under the wait policy, delivering everything in order', async () => {
    const { topic } = await createTestTopics(kafka, 1);
    const buffered: number[] = [];
    // Generous: the first batch waits for the first connect (and the worker thread's start), slow on a loaded CI machine.
    const producer = producerFor(topic, { maxBufferedEvents: 5, bufferFullTimeoutMs: 60_000, metrics: { buffered: (events) => buffered.push(events) } });
    const acks = Array.from({ length: 50 }, (_, sequence) => producer.record(input('org_wait', sequence)));
    await Promise.all(acks);
    await producer.close();

    expect(Math.max(...buffered)).toBe(5);
    expect((await eventsOf(topic, 50)).map((m) => m.event.metadata?.sequence)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('never lets a malformed event reach the topic', async () => {
    const { topic } = await createTestTopics(kafka, 1);
    const producer = producerFor(topic);
    expect(() => producer.record({ ...input('org_bad', 0), action: 'Drop Table' })).toThrow(AuditEventValidationError);
    expect(() => producer.record({ ...input('org_bad', 1), unexpected: true } as AuditEventInput)).toThrow(AuditEventValidationError);
    await producer.record(input('org_bad', 2));
    await producer.close();

    const read = await eventsOf(topic, 1);
    expect(read.map((m) => m.event.metadata?.sequence)).toEqual([2]);
  });
});

describe('AuditProducer with kafkajs in a worker thread that dies', () => {
  it('sends again, from a new thread, the batch a dead thread never acknowledged, and close() joins the thread', async () => {
    const { topic } = await createTestTopics(kafka, 3);
    const threads: Worker[] = [];
    const exited: number[] = [];
    const transport = new KafkaWorkerProducer({ brokers: testBrokers(), clientId: 'producer-worker-crash' }, (data) => {
      const worker = startKafkaWorker(data);
      threads.push(worker);
      worker.once('exit', (code) => exited.push(code));
      return worker;
    });
    // The second batch is in flight in the worker when the thread dies (as a crash would end it).
    let sends = 0;
    const crashing: KafkaProducerLike = {
      connect: () => transport.connect(),
      disconnect: () => transport.disconnect(),
      send: (record: ProducerRecord) => {
        const sent = transport.send(record);
        if ((sends += 1) === 2) void threads[0].terminate();
        return sent;
      },
    };
    const failures: Error[] = [];
    const producer = new AuditProducer({
      kafkaProducer: crashing,
      topic,
      exitHooks: false,
      logger: silentLogger,
      maxBatchEvents: 100,
      retryInitialMs: 50,
      metrics: { failed: (_events, error) => failures.push(error) },
    });
    const acks = Array.from({ length: 500 }, (_, sequence) => producer.record(input(`org_${sequence % 5}`, sequence)));
    await Promise.all(acks);
    await producer.close();

    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures[0]).toBeInstanceOf(AuditProducerWorkerError);
    expect(threads).toHaveLength(2);
    expect(exited).toHaveLength(2);
    const read = await eventsOf(topic, 500);
    expect(new Set(read.map((m) => m.event.metadata?.sequence)).size).toBe(500);
    for (let organization = 0; organization < 5; organization += 1) {
      const sequences = read.filter((m) => m.event.organizationId === `org_${organization}`).map((m) => m.event.metadata?.sequence as number);
      const firstSeen = sequences.filter((sequence, index) => sequences.indexOf(sequence) === index);
      expect(firstSeen).toEqual([...firstSeen].sort((a, b) => a - b));
    }
  });
});
