import { DLQ_HEADERS, type Violation } from '@audit/contract';
import type { IHeaders, KafkaMessage, Message, Producer } from 'kafkajs';

/** Why a message was dead-lettered; the `x-audit-dlq-reason` header. */
export type DeadLetterReason = 'empty' | 'too_large' | 'not_utf8' | 'not_json' | 'contract' | 'wrong_key' | 'rejected_by_clickhouse';

export interface DeadLetter {
  message: KafkaMessage;
  partition: number;
  reason: DeadLetterReason;
  violations: Violation[];
}

const ENVELOPE_REASONS: Record<string, DeadLetterReason> = { notEmpty: 'empty', maxEventBytes: 'too_large', utf8: 'not_utf8', json: 'not_json' };

/** The reason for a message `parseAuditEventMessage` refused: its envelope, else the contract. */
export function reasonOf(violations: Violation[]): DeadLetterReason {
  const first = violations[0];
  return (first?.field === '$' && ENVELOPE_REASONS[first.rule]) || 'contract';
}

const SEND_BUDGET_BYTES = 512 * 1024;

const sizeOf = (value: Message['value'] | Message['key'] | IHeaders[string]): number =>
  value === null || value === undefined ? 0 : Array.isArray(value) ? value.reduce((sum, item) => sum + sizeOf(item), 0) : Buffer.byteLength(value);

function bytesOf(message: Message): number {
  return sizeOf(message.value) + sizeOf(message.key) + Object.entries(message.headers ?? {}).reduce((sum, [name, value]) => sum + name.length + sizeOf(value), 0);
}

/** Consecutive runs of messages whose bytes stay within `budget` (at least one message each). */
function chunksOf(messages: Message[], budget: number): Message[][] {
  const chunks: Message[][] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = bytesOf(message);
    if (chunks.length === 0 || bytes + size > budget) {
      chunks.push([]);
      bytes = 0;
    }
    chunks[chunks.length - 1].push(message);
    bytes += size;
  }
  return chunks;
}

/**
 * Sends what the ingestor cannot store to the dead-letter topic: the original key, value and
 * headers, plus the reason, the violations and where the message came from. At least once: a
 * block replayed after a crash may dead-letter its bad messages again.
 */
export class DeadLetterPublisher {
  constructor(
    private readonly producer: Producer,
    private readonly sourceTopic: string,
    private readonly dlqTopic: string,
  ) {}

  async publish(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const firstSeenAt = new Date().toISOString();
    const messages: Message[] = letters.map(({ message, partition, reason, violations }) => ({
      key: message.key,
      value: message.value,
      headers: {
        ...message.headers,
        [DLQ_HEADERS.reason]: reason,
        [DLQ_HEADERS.violations]: JSON.stringify(violations),
        [DLQ_HEADERS.topic]: this.sourceTopic,
        [DLQ_HEADERS.partition]: String(partition),
        [DLQ_HEADERS.offset]: message.offset,
        // A message re-driven and rejected again keeps the time it was first seen.
        [DLQ_HEADERS.firstSeenAt]: message.headers?.[DLQ_HEADERS.firstSeenAt]?.toString() ?? firstSeenAt,
      },
    }));
    // One send puts a partition's letters in one record batch, which the broker refuses above
    // `message.max.bytes` (1 MiB by default): a burst of large bad messages would otherwise fail
    // this block forever. Sends stay under a budget (a single larger letter goes alone).
    for (const chunk of chunksOf(messages, SEND_BUDGET_BYTES)) {
      await this.producer.send({ topic: this.dlqTopic, acks: -1, messages: chunk });
    }
  }
}
