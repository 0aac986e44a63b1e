import 'reflect-metadata';
import { runCli } from '@audit/ops';

// kafkajs warns about its v2 partitioner change on every producer; the CLI sends with explicit topics only.
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
process.once('SIGTERM', () => controller.abort());

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
