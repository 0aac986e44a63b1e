import { loadConfig } from '@audit/config';
import { ConsumerLagReader, KafkaConfig, createKafka, type PartitionLag } from '@audit/kafka';
import { parseCommandArgs, positiveInteger } from '../cli.args';
import { CliConfig } from '../cli.config';
import type { CliCommand, CliIo } from '../cli.io';
import { formatAge, formatTable } from '../format/table.format';

const HELP = `Usage: audit lag [options]

How far the ingestor's consumer group is behind, per partition of the audit topic: the committed
offset, the end of the partition (high watermark), the lag in messages and the age of the oldest
event not yet stored.

Options:
  --group <id>       consumer group (default: $INGEST_GROUP_ID or audit-ingestor)
  --topic <name>     topic (default: $AUDIT_TOPIC or audit.events.v1)
  --watch            redraw every --interval seconds until Ctrl-C
  --interval <s>     refresh interval of --watch in seconds (default 5)
  --json             print the partitions as JSON instead of a table
  -h, --help         show this help

Environment: KAFKA_BROKERS (default 127.0.0.1:19092), KAFKA_CLIENT_ID.
`;

function renderLag(lags: PartitionLag[], group: string, topic: string): string {
  const age = (lag: PartitionLag) => (lag.lagMessages === 0 ? '-' : lag.oldestUnconsumedTimestamp === null ? '? (not read)' : formatAge(lag.lagSeconds));
  const rows = lags.map((lag) => [lag.partition, lag.committedOffset ?? '-', lag.highWatermark, lag.lagMessages, age(lag)]);
  const total = lags.reduce((sum, lag) => sum + lag.lagMessages, 0);
  const oldest = Math.max(0, ...lags.map((lag) => lag.lagSeconds));
  return (
    `group ${group} on ${topic}\n` +
    formatTable(['PARTITION', 'COMMITTED', 'END', 'LAG', 'OLDEST UNCONSUMED'], rows) +
    `total lag ${total} messages${total > 0 ? `; oldest unconsumed event ${formatAge(oldest)} old` : ''}\n`
  );
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

export const lagCommand: CliCommand = {
  name: 'lag',
  summary: 'consumer lag per partition (messages and age of the oldest unconsumed event)',
  help: HELP,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs(args, {
      group: { type: 'string' },
      topic: { type: 'string' },
      watch: { type: 'boolean' },
      interval: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    const config = loadConfig(CliConfig, io.env);
    const kafkaConfig = loadConfig(KafkaConfig, io.env);
    const group = values.group ?? config.INGEST_GROUP_ID;
    const topic = values.topic ?? config.AUDIT_TOPIC;
    const intervalMs = positiveInteger('interval', values.interval, 5) * 1000;
    const reader = new ConsumerLagReader(createKafka({ brokers: kafkaConfig.brokers, clientId: `${kafkaConfig.KAFKA_CLIENT_ID}-cli` }));
    try {
      do {
        const lags = await reader.read(group, topic);
        const output = values.json ? `${JSON.stringify(lags)}\n` : renderLag(lags, group, topic);
        io.stdout.write(values.watch && io.stdout.isTTY ? `\x1b[2J\x1b[H${new Date().toISOString()}\n${output}` : output);
        if (values.watch) await sleep(intervalMs, io.signal);
      } while (values.watch && !io.signal.aborted);
    } finally {
      await reader.close();
    }
    return 0;
  },
};
