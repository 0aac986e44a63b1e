import type { IHeaders, Message } from 'kafkajs';

/**
 * One send puts a partition's messages in one record batch, which the broker refuses above
 * `message.max.bytes` (1 MiB by default): sends of many or large messages stay under this budget
 * (a single larger message goes alone).
 */
export const SEND_BUDGET_BYTES = 512 * 1024;

const sizeOf = (value: Message['value'] | Message['key'] | IHeaders[string]): number =>
  value === null || value === undefined ? 0 : Array.isArray(value) ? value.reduce((sum, item) => sum + sizeOf(item), 0) : Buffer.byteLength(value);

function bytesOf(message: Message): number {
  return sizeOf(message.value) + sizeOf(message.key) + Object.entries(message.headers ?? {}).reduce((sum, [name, value]) => sum + name.length + sizeOf(value), 0);
}

/** Consecutive runs of entries whose messages' bytes stay within `budget` (at least one entry each). */
export function chunksOf<T>(entries: T[], messageOf: (entry: T) => Message, budget = SEND_BUDGET_BYTES): T[][] {
  const chunks: T[][] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = bytesOf(messageOf(entry));
    if (chunks.length === 0 || bytes + size > budget) {
      chunks.push([]);
      bytes = 0;
    }
    chunks[chunks.length - 1].push(entry);
    bytes += size;
  }
  return chunks;
}
