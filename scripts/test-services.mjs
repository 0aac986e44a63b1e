// What the integration tests run against. With a Docker engine: containers (testcontainers) for
// Kafka and a ClickHouse server. Without one (this project's CI machines): the project's own
// Kafka broker from the official jars and the embedded ClickHouse engine (chDB). Either way the
// tests see KAFKA_BROKERS and, for a server, CLICKHOUSE_URL.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { startKafka, stopKafka, kafkaSettings } from './kafka.mjs';

// testcontainers 11's KafkaContainer drives Confluent's image (Apache Kafka 4.0 inside cp-kafka 8.0).
export const KAFKA_IMAGE = 'confluentinc/cp-kafka:8.0.0';
export const CLICKHOUSE_IMAGE = 'clickhouse/clickhouse-server:25.8';

export function dockerAnswers() {
  if (process.env.AUDIT_TEST_DOCKER === '0') return false;
  const probe = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 8_000, encoding: 'utf8' });
  return probe.status === 0 && probe.stdout.trim() !== '';
}

async function startContainers() {
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const { ClickHouseContainer } = await import('@testcontainers/clickhouse');
  const [kafka, clickhouse] = await Promise.all([new KafkaContainer(KAFKA_IMAGE).withKraft().start(), new ClickHouseContainer(CLICKHOUSE_IMAGE).start()]);
  return {
    description: `containers: ${KAFKA_IMAGE}, ${CLICKHOUSE_IMAGE}`,
    env: { KAFKA_BROKERS: `${kafka.getHost()}:${kafka.getMappedPort(9093)}`, CLICKHOUSE_URL: clickhouse.getConnectionUrl() },
    stop: async () => {
      await Promise.allSettled([kafka.stop(), clickhouse.stop()]);
    },
  };
}

async function startLocal() {
  // A broker of its own, on its own port and fresh data, so a test run never disturbs `npm start`.
  const env = { ...process.env, KAFKA_PORT: process.env.TEST_KAFKA_PORT ?? '29092', KAFKA_DATA_DIR: process.env.TEST_KAFKA_DATA_DIR ?? '.data/kafka-test' };
  await stopKafka({ env });
  rmSync(kafkaSettings(env).dataDir, { recursive: true, force: true });
  const broker = await startKafka({ env });
  const rest = { ...process.env };
  delete rest.CLICKHOUSE_URL;
  return {
    description: `local Apache Kafka broker (official jars) at ${broker.brokers} and embedded ClickHouse (chDB)`,
    env: { ...rest, KAFKA_BROKERS: broker.brokers, TEST_KAFKA_PORT: env.KAFKA_PORT, TEST_KAFKA_DATA_DIR: env.KAFKA_DATA_DIR },
    stop: async () => {
      await stopKafka({ env });
    },
  };
}

export async function startTestServices() {
  if (dockerAnswers()) {
    try {
      const services = await startContainers();
      return { ...services, env: { ...process.env, ...services.env } };
    } catch (error) {
      console.log(`[test] Docker answered but containers did not start (${error.message}); falling back to local services`);
    }
  } else {
    console.log('[test] no Docker engine answered: testcontainers cannot run here');
  }
  return startLocal();
}
