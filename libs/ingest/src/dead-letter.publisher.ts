import { DLQ_HEADERS, type Violation } from '@audit/contract';
import type { KafkaMessage, Producer } from 'kafkajs';

export interface DeadLetter {
  message: KafkaMessage;
  partition: number;
  reason: string;
  violations: Violation[];
}

/** Sends what the ingestor cannot store to the dead-letter topic, with the reason in headers. */
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
          [DLQ_HEADERS.firstSeenAt]: firstSeenAt,
        },
      })),
    });
  }
}
