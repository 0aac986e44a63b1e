import { DLQ_HEADERS } from '@audit/contract';
import { createCompleteSendProducer } from '@audit/kafka';
import type { IHeaders, Kafka } from 'kafkajs';
import { undecodableBatchReason } from './undecodable-batch.letter';

export interface RedriveOptions {
  dlqTopic: string;
  /** Consumer group that remembers how far re-driving got, so a second run does not resend. */
  groupId?: string;
  /** Only dead letters with this reason (others are skipped and stay behind this group's offset). */
  reason?: string;
  timeoutMs?: number;
}

export interface RedriveReport {
  redriven: number;
  /** Of another reason than asked for. */
  skipped: number;
  /** Quarantine records passed over: they carry no value, their originals are only on their topic. */
  quarantined: number;
}

const DROPPED_HEADERS = new Set<string>([DLQ_HEADERS.reason, DLQ_HEADERS.violations, DLQ_HEADERS.topic, DLQ_HEADERS.partition, DLQ_HEADERS.offset]);

/**
 * Sends the dead letters present now back to the topic each came from (after a fix in the
 * contract or the ingestor), with their original key, value and headers; the first-seen time
 * travels along so a letter rejected again keeps it. Stops at the end offsets read at the start.
 * Quarantine records are left where they are: they name an original but do not hold it.
 */
export async function redriveDeadLetters(kafka: Kafka, options: RedriveOptions): Promise<RedriveReport> {
  const groupId = options.groupId ?? 'audit-dlq-redrive';
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(options.dlqTopic)).map(({ partition, high }) => [partition, BigInt(high)]));
  // A partition this group has already re-driven to its end yields no batch to wait for.
  const [committed] = await admin.fetchOffsets({ groupId, topics: [options.dlqTopic] }).catch(() => []);
  const done = new Map((committed?.partitions ?? []).map(({ partition, offset }) => [partition, BigInt(offset)]));
  await admin.disconnect();
  const report: RedriveReport = { redriven: 0, skipped: 0, quarantined: 0 };
  const producer = createCompleteSendProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  const remaining = new Set([...ends].filter(([partition, end]) => end > 0n && (done.get(partition) ?? -1n) < end).map(([partition]) => partition));
  try {
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic: options.dlqTopic, fromBeginning: true });
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    if (remaining.size === 0) done();
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const end = ends.get(batch.partition) ?? 0n;
        const messages = batch.messages.filter((message) => BigInt(message.offset) < end);
        const wanted = messages.filter((message) => !options.reason || message.headers?.[DLQ_HEADERS.reason]?.toString() === options.reason);
        report.skipped += messages.length - wanted.length;
        for (const message of wanted) {
          // A reference (quarantined, or a record of a batch that could not be read) has nothing to send.
          if (message.headers?.[DLQ_HEADERS.quarantined] !== undefined || undecodableBatchReason(message) !== undefined) {
            report.quarantined += 1;
            continue;
          }
          const topic = message.headers?.[DLQ_HEADERS.topic]?.toString();
          if (!topic) throw new Error(`dead letter ${batch.partition}:${message.offset} has no ${DLQ_HEADERS.topic} header`);
          const headers: IHeaders = Object.fromEntries(Object.entries(message.headers ?? {}).filter(([name]) => !DROPPED_HEADERS.has(name)));
          await producer.send({ topic, acks: -1, messages: [{ key: organizationKey(message.value) ?? message.key, value: message.value, headers }] });
          report.redriven += 1;
        }
        const last = messages[messages.length - 1];
        if (last) await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }]);
        if (BigInt(batch.lastOffset()) + 1n >= end) {
          remaining.delete(batch.partition);
          if (remaining.size === 0) done();
        }
      },
    });
    const timeoutMs = options.timeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      finished,
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`re-drive did not reach the end of ${options.dlqTopic} in ${timeoutMs} ms`)), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
    return report;
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
}

/**
 * Re-driven events go out keyed by their organization, as the ingestor requires (a `wrong_key`
 * letter is fixed by the re-drive itself); a value that is not an event keeps its old key.
 */
function organizationKey(value: Buffer | null): string | undefined {
  try {
    const organizationId = (JSON.parse(value?.toString('utf8') ?? '') as { organizationId?: unknown }).organizationId;
    return typeof organizationId === 'string' ? organizationId : undefined;
  } catch {
    return undefined;
  }
}
