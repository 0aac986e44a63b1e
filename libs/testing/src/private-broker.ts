import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './repo-root';

export interface PrivateBroker {
  brokers: string[];
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the broker and deletes its data. */
  destroy(): Promise<void>;
}

const root = repoRoot();
let nextOffset = 0;

/**
 * A Kafka broker of the test's own (scripts/kafka.mjs, same jars and config as the shared one),
 * for tests that stop and restart a broker: restarting the broker `npm test` started would break
 * the tests running beside them in other jest workers.
 */
export async function startPrivateBroker(): Promise<PrivateBroker> {
  const base = Number(process.env.TEST_KAFKA_PORT ?? 29092);
  // Each private broker takes two ports (client, controller) above the shared broker's pair.
  const workerId = Number(process.env.JEST_WORKER_ID ?? 1);
  const port = base + 10 + workerId * 20 + nextOffset;
  nextOffset += 2;
  const dataDir = join(root, '.data', `kafka-private-${port}`);
  const env = { ...process.env, KAFKA_PORT: String(port), KAFKA_DATA_DIR: dataDir };
  const run = async (command: 'start' | 'stop') => {
    await promisify(execFile)(process.execPath, [join(root, 'scripts', 'kafka.mjs'), command], { cwd: root, env });
  };
  rmSync(dataDir, { recursive: true, force: true });
  await run('start');
  return {
    brokers: [`127.0.0.1:${port}`],
    start: () => run('start'),
    stop: () => run('stop'),
    destroy: async () => {
      await run('stop');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
