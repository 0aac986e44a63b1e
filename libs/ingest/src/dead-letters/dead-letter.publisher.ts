import type { Violation } from '@audit/contract';
import type { KafkaMessage, Message, Producer } from 'kafkajs';
import { letterRecord, quarantineRecord } from './dead-letter.records';
import { chunksOf } from '../message-chunks';
import { permanentRefusal } from './publish-error.classifier';

/** Why a message was dead-lettered; the `x-audit-dlq-reason` header. */
export type DeadLetterReason = 'empty' | 'too_large' | 'not_utf8' | 'not_json' | 'contract' | 'wrong_key' | 'rejected_by_clickhouse' | 'undecodable_batch';

export interface DeadLetter {
  message: KafkaMessage;
  partition: number;
  reason: DeadLetterReason;
  violations: Violation[];
}

/** A dead letter the topic refused for good, published as a quarantine record (by reference) instead. */
export interface QuarantinedLetter {
  letter: DeadLetter;
  /** The broker's refusal, e.g. MESSAGE_TOO_LARGE. */
  refusal: string;
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
 *
 * A letter the topic refuses for good (larger than its max.message.bytes, say: a producer may
 * compress on the main topic, or the main topic may take larger records) would fail its block
 * forever; it is replaced by a quarantine record that names the original by reference. A refusal
 * worth retrying (a broker away, a leader moving, a missing topic) is thrown: the block is retried.
 */
export class DeadLetterPublisher {
  constructor(
    private readonly producer: Producer,
    private readonly sourceTopic: string,
    private readonly dlqTopic: string,
  ) {}

  /** Publishes the letters in order; returns those that had to be quarantined. */
  async publish(letters: DeadLetter[]): Promise<QuarantinedLetter[]> {
    if (letters.length === 0) return [];
    const firstSeenAt = new Date().toISOString();
    const entries = letters.map((letter) => ({ letter, record: letterRecord(letter, this.sourceTopic, firstSeenAt) }));
    const quarantined: QuarantinedLetter[] = [];
    // A burst of large bad messages in one send would exceed the broker's batch limit: sends stay under a budget.
    for (const chunk of chunksOf(entries, ({ record }) => record)) {
      const refusal = await this.send(chunk.map(({ record }) => record));
      if (refusal === undefined) continue;
      // Refused for good: each letter alone, to find which the topic refuses.
      for (const { letter, record } of chunk) {
        const alone = chunk.length === 1 ? refusal : await this.send([record]);
        if (alone === undefined) continue;
        const refusedAgain = await this.send([quarantineRecord(letter, this.sourceTopic, firstSeenAt, alone)]);
        if (refusedAgain !== undefined) {
          throw new Error(`${this.dlqTopic} refused the quarantine record of ${this.sourceTopic}/${letter.partition}/${letter.message.offset} (${refusedAgain}) after the dead letter itself (${alone}): check the topic's configuration`);
        }
        quarantined.push({ letter, refusal: alone });
      }
    }
    return quarantined;
  }

  /** Sends `messages` as one record batch; returns the broker's refusal if it is for good, throws any other error. */
  private async send(messages: Message[]): Promise<string | undefined> {
    try {
      await this.producer.send({ topic: this.dlqTopic, acks: -1, messages });
      return undefined;
    } catch (error) {
      const refusal = permanentRefusal(error);
      if (refusal === undefined) throw error;
      return refusal;
    }
  }
}
