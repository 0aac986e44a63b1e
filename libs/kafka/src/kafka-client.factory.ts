import { Kafka, logLevel, type KafkaConfig as KafkajsConfig, type LogEntry } from 'kafkajs';
import { createWriteStream, type WriteStream } from 'node:fs';
import { registerCompressionCodecs } from './codecs/compression-codecs.registry';
import { patchKafkajsCrc32c } from './crc32c.patch';
import { patchKafkajsProduceEncoding } from './produce-encoding/produce-request.patch';
import { patchKafkajsRequestQueue } from './request-queue.patch';

// Every Kafka client of the project is made here, so the patches apply before any connection opens
// and before any produce.
patchKafkajsRequestQueue();
patchKafkajsCrc32c();
patchKafkajsProduceEncoding();

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  /** kafkajs logs through this; defaults to warnings and errors on stderr as JSON lines. */
  logCreator?: KafkajsConfig['logCreator'];
  /** The most a fetched record batch may decompress to, for every client of the process (see registerCompressionCodecs); kept when not given. */
  maxDecompressedBatchBytes?: number;
}

const LEVEL_NAMES: Record<number, string> = { [logLevel.ERROR]: 'error', [logLevel.WARN]: 'warn', [logLevel.INFO]: 'info', [logLevel.DEBUG]: 'debug' };

let logFile: WriteStream | undefined;

/**
 * Where client log lines go: stderr, or the file named by KAFKA_CLIENT_LOG_FILE. `npm test` sets it:
 * its fault runs make the clients log hundreds of expected broker states that would bury a real
 * failure in the test output. Appends, so the test processes and the ingestors they spawn share it.
 */
function logTarget(): NodeJS.WritableStream {
  const path = process.env.KAFKA_CLIENT_LOG_FILE;
  if (!path) return process.stderr;
  logFile ??= createWriteStream(path, { flags: 'a' });
  return logFile;
}

function jsonLogCreator() {
  return ({ namespace, level, log }: LogEntry) => {
    const { message, ...extra } = log;
    logTarget().write(`${JSON.stringify({ level: LEVEL_NAMES[level] ?? String(level), component: `kafkajs.${namespace}`, msg: message, ...extra })}\n`);
  };
}

/** A kafkajs client that reads every codec Kafka has (gzip, Snappy, LZ4, ZSTD), as every client of the project must. */
export function createKafka(options: KafkaClientOptions): Kafka {
  registerCompressionCodecs({ maxDecompressedBytes: options.maxDecompressedBatchBytes });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    logCreator: options.logCreator ?? jsonLogCreator,
    retry: { initialRetryTime: 200, retries: 10, maxRetryTime: 10_000 },
  });
}
