import { DLQ_HEADERS, type Violation } from '@audit/contract';
import { createHash } from 'node:crypto';
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { DeadLetter } from './dead-letter.publisher';

/** The most violation text a quarantine record carries (it must stay small whatever the message held). */
const MAX_VIOLATIONS_BYTES = 4096;

/**
 * The dead letter of a message: its original key, value and headers, plus the reason, the
 * violations and where it came from.
 */
export function letterRecord({ message, partition, reason, violations }: DeadLetter, sourceTopic: string, firstSeenAt: string): Message {
  return {
    key: message.key,
    value: message.value,
    headers: {
      ...writableHeaders(message.headers),
      ...provenance(message, partition, sourceTopic, firstSeenAt),
      [DLQ_HEADERS.reason]: reason,
      [DLQ_HEADERS.violations]: JSON.stringify(violations),
    },
  };
}

/**
 * What stands for a dead letter the topic refuses for good (larger than it accepts, say): a small
 * record that names the original by topic, partition and offset, with its value's size and
 * SHA-256, the reason and the refusal. Keyed by that reference, so even a compacted topic takes it.
 */
export function quarantineRecord({ message, partition, reason, violations }: DeadLetter, sourceTopic: string, firstSeenAt: string, refusal: string): Message {
  const value = message.value ?? Buffer.alloc(0);
  return {
    key: `${sourceTopic}/${partition}/${message.offset}`,
    value: null,
    headers: {
      ...provenance(message, partition, sourceTopic, firstSeenAt),
      [DLQ_HEADERS.reason]: reason,
      [DLQ_HEADERS.violations]: boundedViolations(violations),
      [DLQ_HEADERS.quarantined]: refusal,
      [DLQ_HEADERS.originalValueBytes]: String(value.length),
      [DLQ_HEADERS.originalValueSha256]: createHash('sha256').update(value).digest('hex'),
    },
  };
}

function provenance(message: KafkaMessage, partition: number, sourceTopic: string, firstSeenAt: string): IHeaders {
  return {
    [DLQ_HEADERS.topic]: sourceTopic,
    [DLQ_HEADERS.partition]: String(partition),
    [DLQ_HEADERS.offset]: message.offset,
    // A message re-driven and rejected again keeps the time it was first seen.
    [DLQ_HEADERS.firstSeenAt]: message.headers?.[DLQ_HEADERS.firstSeenAt]?.toString() ?? firstSeenAt,
  };
}

/** A producer may send a header without a value; kafkajs cannot write one (it throws on every attempt), so it goes out empty. */
function writableHeaders(headers: IHeaders | undefined): IHeaders {
  const empty = Buffer.alloc(0);
  return Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name, Array.isArray(value) ? value.map((item) => item ?? empty) : (value ?? empty)]));
}

/** The violations as JSON, the last ones dropped (and counted) until the text fits the budget. */
function boundedViolations(violations: Violation[]): string {
  for (let kept = violations.length; kept > 0; kept--) {
    const dropped = violations.length - kept;
    const text = JSON.stringify(dropped === 0 ? violations : [...violations.slice(0, kept), { field: '$', rule: 'truncated', message: `${dropped} more violations` }]);
    if (Buffer.byteLength(text) <= MAX_VIOLATIONS_BYTES) return text;
  }
  return JSON.stringify([{ field: '$', rule: 'truncated', message: `${violations.length} violations` }]);
}
