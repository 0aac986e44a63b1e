import { splitLines, STORED_HEADERS } from '@audit/contract';
import type { Kafka } from 'kafkajs';
import { topicSize } from './ingest-traffic';
import { readTopic } from './topic.reader';

export interface StoredCoverage {
  /** Per organization: the highest sequence, the links seen once or more, and the missing ones below the highest. */
  organizations: Map<string, { last: number; links: number; copies: number; missing: number[] }>;
  checkpoints: number;
}

/**
 * Reads a whole projection topic (`audit.events.v1.stored` format) and tells, per organization,
 * whether every link from 1 to the highest sequence is there and how many copies replays left.
 */
export async function readStoredCoverage(kafka: Kafka, topic: string): Promise<StoredCoverage> {
  const count = await topicSize(kafka, topic);
  const messages = count === 0 ? [] : await readTopic(kafka, topic, { count, timeoutMs: 60_000, settleMs: 100 });
  const seen = new Map<string, Map<number, number>>();
  let checkpoints = 0;
  for (const { key, message } of messages) {
    if (message.headers?.[STORED_HEADERS.kind]?.toString() === 'checkpoint') {
      checkpoints += 1;
      continue;
    }
    const seqs = seen.get(key as string) ?? new Map<number, number>();
    seen.set(key as string, seqs);
    for (const line of splitLines(message.value as Buffer)) {
      const seq = (JSON.parse(line.toString()) as { chain_seq: number }).chain_seq;
      seqs.set(seq, (seqs.get(seq) ?? 0) + 1);
    }
  }
  const organizations = new Map<string, { last: number; links: number; copies: number; missing: number[] }>();
  for (const [organization, seqs] of seen) {
    const last = Math.max(...seqs.keys());
    const missing: number[] = [];
    for (let seq = 1; seq <= last; seq++) if (!seqs.has(seq)) missing.push(seq);
    const copies = [...seqs.values()].reduce((sum, times) => sum + times - 1, 0);
    organizations.set(organization, { last, links: seqs.size, copies, missing });
  }
  return { organizations, checkpoints };
}
