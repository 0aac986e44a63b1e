/**
 * Broker errors that refuse a record for good: the same bytes will be refused by every retry, so
 * the record must be replaced (a dead letter is quarantined by reference) rather than retried
 * forever. Everything else — leaders moving, a broker away, a topic missing or not authorized
 * (an operator can fix those), timeouts, errors of unknown kind — is retried with the same block.
 */
const PERMANENT_REFUSALS = new Set([
  'MESSAGE_TOO_LARGE', // 10: larger than the topic's max.message.bytes
  'RECORD_LIST_TOO_LARGE', // 18: the record batch is larger than the segment size
  'INVALID_RECORD', // 87: refused by the broker's record validation (e.g. no key on a compacted topic)
]);

/**
 * The kafkajs error type when `error` (or an error it wraps: kafkajs puts the broker's error in
 * `cause` when it gives up, and aggregates errors of several brokers) permanently refuses the record.
 */
export function permanentRefusal(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const pending = [error];
  while (pending.length > 0) {
    const current = pending.pop();
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const { type, cause, errors } = current as { type?: unknown; cause?: unknown; errors?: unknown };
    if (typeof type === 'string' && PERMANENT_REFUSALS.has(type)) return type;
    pending.push(cause, ...(Array.isArray(errors) ? errors : []));
  }
  return undefined;
}
