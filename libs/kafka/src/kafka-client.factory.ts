import { Kafka, logLevel, type KafkaConfig as KafkajsConfig, type LogEntry } from 'kafkajs';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  /** kafkajs logs through this; defaults to warnings and errors on stderr as JSON lines. */
  logCreator?: KafkajsConfig['logCreator'];
}

const LEVEL_NAMES: Record<number, string> = { [logLevel.ERROR]: 'error', [logLevel.WARN]: 'warn', [logLevel.INFO]: 'info', [logLevel.DEBUG]: 'debug' };

function jsonLogCreator() {
  return ({ namespace, level, log }: LogEntry) => {
    const { message, ...extra } = log;
    process.stderr.write(`${JSON.stringify({ level: LEVEL_NAMES[level] ?? String(level), component: `kafkajs.${namespace}`, msg: message, ...extra })}\n`);
  };
}

export function createKafka(options: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    logCreator: options.logCreator ?? jsonLogCreator,
    retry: { initialRetryTime: 200, retries: 10, maxRetryTime: 10_000 },
  });
}
