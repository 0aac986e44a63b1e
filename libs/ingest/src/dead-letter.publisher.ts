import { DLQ_HEADERS, type Violation } from '@audit/contract';
import type { KafkaMessage, Producer } from 'kafkajs';

/** Why a message was dead-lettered; the `x-audit-dlq-reason` header. */
export type DeadLetterReason = 'empty' | 'too_large' | 'not_utf8' | 'not_json' | 'contract' | 'rejected_by_clickhouse';

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
    await this.producer.send({
      topic: this.dlqTopic,
      acks: -1,
      messages: letters.map(({ message, partition, reason, violations }) => ({
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
      })),
    });
  }
}
