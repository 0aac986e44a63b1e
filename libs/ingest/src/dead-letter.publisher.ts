import type { Violation } from '@audit/contract';
import type { IHeaders, KafkaMessage, Message, Producer } from 'kafkajs';
import { letterRecord, quarantineRecord } from './dead-letter.records';
import { permanentRefusal } from './publish-error.classifier';

/** Why a message was dead-lettered; the `x-audit-dlq-reason` header. */
export type DeadLetterReason = 'empty' | 'too_large' | 'not_utf8' | 'not_json' | 'contract' | 'wrong_key' | 'rejected_by_clickhouse';

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

const SEND_BUDGET_BYTES = 512 * 1024;

const sizeOf = (value: Message['value'] | Message['key'] | IHeaders[string]): number =>
  value === null || value === undefined ? 0 : Array.isArray(value) ? value.reduce((sum, item) => sum + sizeOf(item), 0) : Buffer.byteLength(value);

function bytesOf(message: Message): number {
  return sizeOf(message.value) + sizeOf(message.key) + Object.entries(message.headers ?? {}).reduce((sum, [name, value]) => sum + name.length + sizeOf(value), 0);
}

/** Consecutive runs of letters whose records stay within `budget` bytes (at least one each). */
function chunksOf<T extends { record: Message }>(entries: T[], budget: number): T[][] {
  const chunks: T[][] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = bytesOf(entry.record);
    if (chunks.length === 0 || bytes + size > budget) {
      chunks.push([]);
      bytes = 0;
    }
    chunks[chunks.length - 1].push(entry);
    bytes += size;
  }
  return chunks;
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
    // One send puts a partition's letters in one record batch, which the broker refuses above
    // `message.max.bytes` (1 MiB by default): sends stay under a budget (a larger letter goes alone).
    for (const chunk of chunksOf(entries, SEND_BUDGET_BYTES)) {
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
