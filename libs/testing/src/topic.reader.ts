import type { Kafka, KafkaMessage } from 'kafkajs';
import { uniqueName } from './test-services';

export interface ReadMessage {
  partition: number;
  key: string | null;
  value: string | null;
  message: KafkaMessage;
}

/**
 * Reads a topic from the beginning with a throwaway consumer group until `count` messages have
 * arrived, then waits `settleMs` more so that extra (duplicate or unexpected) messages show up too.
 * Fails with what it read when `count` is not reached within `timeoutMs`.
 */
export async function readTopic(kafka: Kafka, topic: string, { count, timeoutMs = 30_000, settleMs = 500 }: { count: number; timeoutMs?: number; settleMs?: number }): Promise<ReadMessage[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('test-reader'), maxWaitTimeInMs: 100 });
  const read: ReadMessage[] = [];
  let reached: () => void = () => undefined;
  const enough = new Promise<void>((resolve) => (reached = resolve));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        read.push({ partition, key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, message });
        if (read.length >= count) reached();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([enough.then(() => 'enough' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') throw new Error(`read ${read.length} of ${count} messages from ${topic} in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    return read;
  } finally {
    await consumer.disconnect();
  }
}
