import { createKafka } from '@audit/kafka';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './repo-root';
import { waitFor } from './test-services';

export interface PrivateBroker {
  brokers: string[];
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Kills the broker and deletes its data. */
  destroy(): Promise<void>;
}

export interface PrivateCluster {
  /** Every node's `host:port`, node 1 first. */
  brokers: string[];
  /** Kills node `id` (1–3) with SIGKILL: no controlled shutdown, its partitions lose their leader at once. */
  kill(id: number): Promise<void>;
  /** Freezes node `id` with SIGSTOP: requests in flight to it hang until it is killed. */
  pause(id: number): Promise<void>;
  /** Starts node `id` again and waits until it is a registered broker of the cluster. */
  start(id: number): Promise<void>;
  /**
   * Waits until every partition of every topic (the offsets topic included) has all its replicas
   * in sync again, e.g. before the next kill: replication factor 3 with min.insync.replicas 2
   * promises to survive one node down at a time, not two.
   */
  untilInSync(timeoutMs?: number): Promise<void>;
  /** Kills every node and deletes the cluster's data. */
  destroy(): Promise<void>;
}

const root = repoRoot();
let nextOffset = 0;

/**
 * Starts a Kafka of the test's own through scripts/kafka.mjs (same jars and config as the shared
 * broker): restarting or killing the broker `npm test` started would break the tests running
 * beside them in other jest workers. Each node takes two ports (client, controller) above the
 * shared broker's pair, in a range of 20 per jest worker.
 */
async function startPrivateKafka(nodes: 1 | 3) {
  const base = Number(process.env.TEST_KAFKA_PORT ?? 29092);
  const workerId = Number(process.env.JEST_WORKER_ID ?? 1);
  const port = base + 10 + workerId * 20 + nextOffset;
  nextOffset += 2 * nodes;
  const dataDir = join(root, '.data', `kafka-private-${port}`);
  const env = { ...process.env, KAFKA_PORT: String(port), KAFKA_DATA_DIR: dataDir, KAFKA_NODES: String(nodes) };
  const run = async (...args: string[]) => {
    await promisify(execFile)(process.execPath, [join(root, 'scripts', 'kafka.mjs'), ...args], { cwd: root, env });
  };
  rmSync(dataDir, { recursive: true, force: true });
  try {
    await run('start');
  } catch (error) {
    // A node that did not come up must not leave the others running.
    await run('stop').catch(() => undefined);
    throw error;
  }
  return {
    brokers: Array.from({ length: nodes }, (_, index) => `127.0.0.1:${port + 2 * index}`),
    run,
    // Its data goes too, so a clean shutdown would only cost time (seconds per cluster node).
    destroy: async () => {
      await Promise.all(Array.from({ length: nodes }, (_, index) => run('kill', String(index + 1))));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A single broker the test may stop and restart. */
export async function startPrivateBroker(): Promise<PrivateBroker> {
  const { brokers, run, destroy } = await startPrivateKafka(1);
  return { brokers, start: () => run('start'), stop: () => run('stop'), destroy };
}

/**
 * The three-node cluster mode (KAFKA_NODES=3: each node broker and controller, replication
 * factor 3, min.insync.replicas 2), for tests that kill a partition leader.
 */
export async function startPrivateCluster(): Promise<PrivateCluster> {
  const { brokers, run, destroy } = await startPrivateKafka(3);
  const untilInSync = async (timeoutMs = 120_000) => {
    const admin = createKafka({ brokers, clientId: 'private-cluster' }).admin();
    await admin.connect();
    try {
      await waitFor(
        async () => {
          // Right after a kill or a start a metadata request may fail: that is "not yet".
          const partitions = (await admin.fetchTopicMetadata().catch(() => undefined))?.topics.flatMap((topic) => topic.partitions) ?? [];
          return partitions.length > 0 && partitions.every(({ replicas, isr }) => isr.length === replicas.length) ? true : undefined;
        },
        { what: 'every partition to have all its replicas in sync', timeoutMs, intervalMs: 250 },
      );
    } finally {
      await admin.disconnect();
    }
  };
  return { brokers, kill: (id) => run('kill', String(id)), pause: (id) => run('pause', String(id)), start: (id) => run('start', String(id)), untilInSync, destroy };
}
