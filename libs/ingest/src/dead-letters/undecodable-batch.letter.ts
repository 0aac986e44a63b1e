import { UNDECODABLE_BATCH_HEADER } from '@audit/kafka';
import type { KafkaMessage } from 'kafkajs';
import type { DeadLetter } from './dead-letter.publisher';

/** Why the batch holding `message` could not be read, when the consumer passed it on as a placeholder (no value, the header); else undefined. */
export function undecodableBatchReason(message: KafkaMessage): string | undefined {
  const header = message.headers?.[UNDECODABLE_BATCH_HEADER];
  return message.value === null && header !== undefined ? String(header) : undefined;
}

/**
 * A placeholder for a record of a batch the consumer could not decompress (past the limit, or not
 * decodable) is dead-lettered as `undecodable_batch`, naming why, instead of as an empty message:
 * its record is still on the audit topic at the letter's offset, for an operator to inspect.
 */
export function asUndecodableBatch(letter: DeadLetter): DeadLetter {
  const why = undecodableBatchReason(letter.message);
  if (why === undefined) return letter;
  return {
    ...letter,
    reason: 'undecodable_batch',
    violations: [{ field: '$', rule: 'decodable', message: `the record batch holding this offset could not be read (${why}); its records stay on the topic until its retention` }],
  };
}
