import { ConsumerLagReader, readTopicRanges } from '@audit/kafka';
import { createTestTopics, testKafka, uniqueName } from '@audit/testing';
import type { Kafka, Producer } from 'kafkajs';

jest.setTimeout(60_000);

describe('ConsumerLagReader against the broker', () => {
  let kafka: Kafka;
  let producer: Producer;
  let reader: ConsumerLagReader;

  beforeAll(async () => {
    kafka = testKafka('lag-reader-test');
    producer = kafka.producer();
    await producer.connect();
    reader = new ConsumerLagReader(kafka);
  });

  afterAll(async () => {
    await reader?.close();
    await producer?.disconnect();
  });

  async function produce(topic: string, partition: number, count: number, timestamp: number): Promise<void> {
    const messages = Array.from({ length: count }, (_, index) => ({ partition, value: `m${index}`, timestamp: String(timestamp + index) }));
    await producer.send({ topic, acks: -1, messages });
  }

  it('should report per-partition lag in messages and the age of the oldest unconsumed event', async () => {
    const { topic } = await createTestTopics(kafka, 3);
    const groupId = uniqueName('lag-group');
    const minuteAgo = Date.now() - 60_000;
    await produce(topic, 0, 10, minuteAgo - 30_000);
    await produce(topic, 1, 5, minuteAgo);
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '4' }] });
    await admin.disconnect();

    const lags = await reader.read(groupId, topic);

    expect(lags.map(({ partition, committedOffset, position, highWatermark, lagMessages }) => ({ partition, committedOffset, position, highWatermark, lagMessages }))).toEqual([
      { partition: 0, committedOffset: '4', position: '4', highWatermark: '10', lagMessages: 6 },
      { partition: 1, committedOffset: null, position: '0', highWatermark: '5', lagMessages: 5 },
      { partition: 2, committedOffset: null, position: '0', highWatermark: '0', lagMessages: 0 },
    ]);
    // Partition 0's oldest unconsumed message is the one at offset 4, stamped 90 s ago + 4 ms.
    expect(lags[0].oldestUnconsumedTimestamp).toBe(minuteAgo - 30_000 + 4);
    expect(lags[0].lagSeconds).toBeGreaterThanOrEqual(90);
    expect(lags[0].lagSeconds).toBeLessThan(150);
    expect(lags[1].oldestUnconsumedTimestamp).toBe(minuteAgo);
    expect(lags[2]).toEqual(expect.objectContaining({ oldestUnconsumedTimestamp: null, lagSeconds: 0 }));
  });

  it('should report no lag once the group committed the high watermark', async () => {
    const { topic } = await createTestTopics(kafka, 1);
    const groupId = uniqueName('lag-group');
    await produce(topic, 0, 3, Date.now());
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '3' }] });
    await admin.disconnect();

    expect(await reader.read(groupId, topic)).toEqual([
      expect.objectContaining({ partition: 0, committedOffset: '3', lagMessages: 0, lagSeconds: 0, oldestUnconsumedTimestamp: null }),
    ]);
  });

  it('should read exactly the requested offset ranges and leave no consumer group behind', async () => {
    const { topic } = await createTestTopics(kafka, 2);
    await produce(topic, 0, 6, Date.now());
    await produce(topic, 1, 2, Date.now());
    const admin = kafka.admin();
    await admin.connect();
    const groupsBefore = (await admin.listGroups()).groups.length;

    const messages = await readTopicRanges(kafka, topic, [
      { partition: 0, from: '2', to: '5' },
      { partition: 1, from: '0', to: '2' },
    ]);

    expect(messages.map(({ partition, message }) => `${partition}:${message.offset}:${message.value?.toString()}`).sort()).toEqual(['0:2:m2', '0:3:m3', '0:4:m4', '1:0:m0', '1:1:m1']);
    expect((await admin.listGroups()).groups.length).toBe(groupsBefore);
    await admin.disconnect();
  });
});
