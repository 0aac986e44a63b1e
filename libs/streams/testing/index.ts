// `@audit/streams/testing`: a stream delivery inside a test's (or benchmark's) own process, with
// topics of its own and a store to write definitions as the management API does. Not part of the
// runtime lib (libs/streams/src): only tests, fault runs and benchmarks import it.
import type { ClickHouseHandle } from '@audit/clickhouse';
import { loadConfig } from '@audit/config';
import { uuidv7 } from '@audit/contract';
import { createCompleteSendProducer, createKafka, ensureTopics, KafkaConfig } from '@audit/kafka';
import { SharedClickHouseModule, testBrokers, uniqueName, waitFor } from '@audit/testing';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Kafka, Producer } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { SecretCipher, StreamsConfig, StreamsModule, StreamStore, type StreamDefinition, type StreamDestination, type StreamStatus } from '../src';

export interface DeliveryHarnessOptions {
  /** The delivery's environment over the harness's own (short intervals, loopback receivers allowed). */
  env?: Record<string, string>;
  /** The projection topic to read; absent, a topic of the harness's own with `partitions`. */
  storedTopic?: string;
  partitions?: number;
  /** Absent: the test broker (`KAFKA_BROKERS`). */
  brokers?: string[];
  /** Names its topics and consumer groups (made unique). */
  name?: string;
}

export interface DeliveryHarness {
  kafka: Kafka;
  storedTopic: string;
  env: Record<string, string>;
  /** The definitions and statuses as the management API sees them (its own store, like another process). */
  store: StreamStore;
  cipher: SecretCipher;
  /** Writes a stream definition (of org_0, from now, unless `stream` says otherwise), its secret sealed. */
  define(stream: { destination: StreamDestination; secret?: string } & Partial<Omit<StreamDefinition, 'destination'>>): Promise<StreamDefinition>;
  change(id: string, change: Partial<StreamDefinition>): Promise<StreamDefinition>;
  startDelivery(clickhouse?: { handle: ClickHouseHandle; database: string }): Promise<INestApplication>;
  stopDelivery(): Promise<void>;
  status(id: string): StreamStatus | undefined;
  waitForState(id: string, state: StreamStatus['state'], timeoutMs?: number): Promise<StreamStatus>;
  close(): Promise<void>;
}

/**
 * A projection topic, definitions and status topics of a test's own, the delivery as the apps run
 * it (StreamsModule in a Nest app), and a store to write definitions as the API does. Short
 * intervals, and the loopback address allow-listed for the local receivers.
 */
export async function startDeliveryHarness(options: DeliveryHarnessOptions = {}): Promise<DeliveryHarness> {
  const brokers = options.brokers ?? testBrokers();
  const kafka = createKafka({ brokers, clientId: 'streams-test' });
  const base = uniqueName(options.name ?? 'streams.test').replace('_', '.');
  const storedTopic = options.storedTopic ?? `${base}.stored`;
  if (!options.storedTopic) await ensureTopics(kafka, [{ topic: storedTopic, numPartitions: options.partitions ?? 3, retentionMs: 3_600_000 }]);
  const key = randomBytes(32).toString('base64');
  const env: Record<string, string> = {
    KAFKA_BROKERS: brokers.join(','),
    AUDIT_STORED_TOPIC: storedTopic,
    STREAMS_DEFINITIONS_TOPIC: `${base}.definitions`,
    STREAMS_STATUS_TOPIC: `${base}.status`,
    STREAMS_GROUP_PREFIX: `${base}-`,
    STREAMS_SECRET_KEY: key,
    STREAMS_ALLOWED_CIDRS: '127.0.0.1/32',
    STREAMS_STATUS_INTERVAL_MS: '200',
    STREAMS_RETRY_INITIAL_MS: '50',
    STREAMS_RETRY_MAX_MS: '500',
    STREAMS_COVERAGE_INTERVAL_MS: '500',
    STREAMS_SESSION_TIMEOUT_MS: '6000',
    STREAMS_HTTP_TIMEOUT_MS: '5000',
    ...options.env,
  };
  const config = loadConfig(StreamsConfig, env);
  const producer: Producer = createCompleteSendProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const store = new StreamStore(kafka, producer, { definitions: config.STREAMS_DEFINITIONS_TOPIC, status: config.STREAMS_STATUS_TOPIC });
  await store.start().catch(async (error: unknown) => {
    await store.close();
    await producer.disconnect();
    throw error;
  });
  const cipher = SecretCipher.fromKey(key);
  let delivery: INestApplication | undefined;

  const harness: DeliveryHarness = {
    kafka,
    storedTopic,
    env,
    store,
    cipher,
    async define({ destination, secret, ...rest }) {
      const id = rest.id ?? uuidv7();
      const now = new Date().toISOString();
      const stream: StreamDefinition = {
        id,
        organizationId: 'org_0',
        name: 'test stream',
        destination,
        ...(secret && { sealedSecret: cipher.seal(secret, id) }),
        format: 'v1',
        filter: {},
        paused: false,
        position: { id: uuidv7(), kind: 'created', from: now },
        createdAt: now,
        updatedAt: now,
        createdBy: { subject: 'test' },
        version: 1,
        ...rest,
      };
      await store.definitions.put(id, stream);
      return stream;
    },
    async change(id, change) {
      const current = store.definitions.get(id) as StreamDefinition;
      const next = { ...current, ...change, version: current.version + 1, updatedAt: new Date().toISOString() };
      await store.definitions.put(id, next);
      return next;
    },
    async startDelivery(clickhouse) {
      const moduleRef = await Test.createTestingModule({
        imports: [...(clickhouse ? [SharedClickHouseModule.of(clickhouse.handle, clickhouse.database)] : []), StreamsModule.forRoot({ delivery: true }, config, loadConfig(KafkaConfig, env))],
      }).compile();
      delivery = moduleRef.createNestApplication({ logger: process.env.STREAMS_TEST_LOG ? ['error', 'warn', 'log'] : ['error'] });
      await delivery.init();
      return delivery;
    },
    async stopDelivery() {
      await delivery?.close();
      delivery = undefined;
    },
    status: (id) => store.statuses.get(id),
    waitForState: (id, state, timeoutMs = 30_000) =>
      waitFor(async () => (store.statuses.get(id)?.state === state ? store.statuses.get(id) : undefined), { what: `stream ${id} to be ${state} (now ${store.statuses.get(id)?.state})`, timeoutMs }),
    async close() {
      await delivery?.close();
      await store.close();
      await producer.disconnect();
    },
  };
  return harness;
}
