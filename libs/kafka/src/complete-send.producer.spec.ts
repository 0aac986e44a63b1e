import { Partitioners, type Kafka, type Message, type PartitionMetadata, type Producer, type ProducerBatch, type ProducerConfig, type RecordMetadata } from 'kafkajs';
import { createCompleteSendProducer } from './complete-send.producer';

/**
 * A kafkajs stand-in that partitions like kafkajs (through the configured partitioner, over two
 * partitions) and acknowledges what `acknowledge` lets through: kafkajs's own bug, on demand.
 */
function fakeKafka(acknowledge: (partitions: number[], call: number) => number[], partitionMetadata = [{ partitionId: 0 }, { partitionId: 1 }] as PartitionMetadata[]) {
  const batches: ProducerBatch[] = [];
  const warnings: unknown[] = [];
  const kafka = {
    producer: (config: ProducerConfig) => {
      const partitioner = config.createPartitioner!();
      const sendBatch = async (batch: ProducerBatch): Promise<RecordMetadata[]> => {
        batches.push(batch);
        const sent = new Map<string, { topicName: string; partition: number }>();
        for (const { topic, messages } of batch.topicMessages ?? []) {
          for (const message of messages) {
            const partition = partitioner({ topic, partitionMetadata, message });
            sent.set(`${topic}:${partition}`, { topicName: topic, partition });
          }
        }
        const acknowledged = acknowledge([...new Set([...sent.values()].map(({ partition }) => partition))].sort(), batches.length);
        return [...sent.values()].filter(({ partition }) => acknowledged.includes(partition)).map((entry) => ({ ...entry, errorCode: 0 }));
      };
      return { sendBatch, logger: () => ({ warn: (...entry: unknown[]) => warnings.push(entry) }) } as unknown as Producer;
    },
  } as unknown as Kafka;
  return { kafka, batches, warnings };
}

/** Keys the Java-compatible partitioner puts on partitions 0 and 1 of two. */
const keyOn = (partition: number) =>
  ['a', 'b', 'c', 'd', 'e', 'f'].find((key) => Partitioners.DefaultPartitioner()({ topic: 'audit', partitionMetadata: [{ partitionId: 0 }, { partitionId: 1 }] as PartitionMetadata[], message: { key, value: null } }) === partition)!;
const messages = (count: number): Message[] => Array.from({ length: count }, (_, index) => ({ key: keyOn(index % 2), value: String(index) }));
/** Partition 0 led by broker 1, partition 1 by broker 2. */
const twoLeaders = [
  { partitionId: 0, leader: 1 },
  { partitionId: 1, leader: 2 },
] as PartitionMetadata[];
const sentValues = (batch: ProducerBatch) => batch.topicMessages!.flatMap((topic) => topic.messages.map((message) => message.value));

describe('createCompleteSendProducer', () => {
  it('should send again, by themselves, the messages of a partition that kafkajs left out of its acknowledgement', async () => {
    // The first send acknowledges partition 0 only, as kafkajs does when partition 1's leader moved mid-send.
    const { kafka, batches, warnings } = fakeKafka((partitions, call) => (call === 1 ? [0] : partitions));
    const producer = createCompleteSendProducer(kafka, { createPartitioner: Partitioners.DefaultPartitioner });

    const result = await producer.send({ topic: 'audit', acks: -1, messages: messages(6) });

    expect(batches.map(sentValues)).toEqual([
      ['0', '1', '2', '3', '4', '5'],
      ['1', '3', '5'],
    ]);
    expect(batches[1]).toMatchObject({ acks: -1, topicMessages: [{ topic: 'audit' }] });
    expect(result.map(({ partition }) => partition)).toEqual([0, 1]);
    expect(warnings).toHaveLength(1);
  });

  it('should keep sending until every partition is acknowledged', async () => {
    const { kafka, batches } = fakeKafka((partitions, call) => (call < 3 ? [] : partitions));
    await createCompleteSendProducer(kafka).send({ topic: 'audit', messages: messages(4) });

    expect(batches.map(sentValues)).toEqual([
      ['0', '1', '2', '3'],
      ['0', '1', '2', '3'],
      ['0', '1', '2', '3'],
    ]);
  });

  it('should send each message once when every partition is acknowledged', async () => {
    const { kafka, batches, warnings } = fakeKafka((partitions) => partitions);
    await createCompleteSendProducer(kafka).sendBatch({ topicMessages: [{ topic: 'audit', messages: messages(4) }] });

    expect(batches).toHaveLength(1);
    expect(warnings).toHaveLength(0);
  });

  it('should send a batch for two leaders as one send per leader, each refused attempt before anything goes out', async () => {
    const { kafka, batches } = fakeKafka((partitions) => partitions, twoLeaders);
    const producer = createCompleteSendProducer(kafka, { createPartitioner: Partitioners.DefaultPartitioner });

    const result = await producer.send({ topic: 'audit', acks: -1, messages: messages(4) });
    await producer.send({ topic: 'audit', acks: -1, messages: messages(2) });

    // The first send learns the leaders from kafkajs's metadata (its partitioner refuses the
    // attempt that would reach both); the sends after it are split before they start.
    expect(batches.map(sentValues)).toEqual([['0', '1', '2', '3'], ['0', '2'], ['1', '3'], ['0'], ['1']]);
    expect(result.map(({ partition }) => partition).sort()).toEqual([0, 1]);
  });

  it('should send a batch that names a topic twice as one send per leader too', async () => {
    const { kafka, batches } = fakeKafka((partitions) => partitions, twoLeaders);
    const producer = createCompleteSendProducer(kafka, { createPartitioner: Partitioners.DefaultPartitioner });
    const [first, second, third] = messages(3);

    // kafkajs partitions a send topic by topic: `audit` (values 0 and 2, on leader 1), then `other` (value 1, on leader 2).
    await producer.sendBatch({ acks: -1, topicMessages: [{ topic: 'audit', messages: [first] }, { topic: 'other', messages: [second] }, { topic: 'audit', messages: [third] }] });

    expect(batches.map(sentValues)).toEqual([['0', '2', '1'], ['0', '2'], ['1']]);
  });

  it('should not write again, when the caller retries a failed send with the same messages, those it had written', async () => {
    const { kafka, batches } = fakeKafka((partitions, call) => {
      // Partition 1's group fails once for good (e.g. a non-retriable error) after partition 0's was written.
      if (call === 3 && partitions.includes(1)) throw new Error('refused');
      return partitions;
    }, twoLeaders);
    const producer = createCompleteSendProducer(kafka, { createPartitioner: Partitioners.DefaultPartitioner });
    const batch = messages(4);

    await expect(producer.send({ topic: 'audit', acks: -1, messages: batch })).rejects.toThrow('refused');
    // The retry carries the same messages as new objects (as AuditProducer's worker thread unpacks them).
    await producer.send({ topic: 'audit', acks: -1, messages: batch.map((message) => ({ ...message })) });

    expect(batches.map(sentValues)).toEqual([['0', '1', '2', '3'], ['0', '2'], ['1', '3'], ['1', '3']]);
  });

  it('should not write again what a failed send had written when another caller’s send fails before the retry', async () => {
    // One producer serves several callers (the ingestor's partitions): each first send's partition 1 group fails for good.
    const { kafka, batches } = fakeKafka((partitions, call) => {
      if ((call === 3 || call === 5) && partitions.includes(1)) throw new Error('refused');
      return partitions;
    }, twoLeaders);
    const producer = createCompleteSendProducer(kafka, { createPartitioner: Partitioners.DefaultPartitioner });
    const [first, second, third, fourth] = messages(4);

    await expect(producer.send({ topic: 'audit', acks: -1, messages: [first, second] })).rejects.toThrow('refused');
    await expect(producer.send({ topic: 'audit', acks: -1, messages: [third, fourth] })).rejects.toThrow('refused');
    await producer.send({ topic: 'audit', acks: -1, messages: [{ ...first }, { ...second }] });

    expect(batches.map(sentValues)).toEqual([['0', '1'], ['0'], ['1'], ['2'], ['3'], ['1']]);
  });

  it('should not wait for acknowledgements that acks 0 never brings', async () => {
    const { kafka, batches } = fakeKafka(() => []);
    await createCompleteSendProducer(kafka).send({ topic: 'audit', acks: 0, messages: messages(4) });

    expect(batches).toHaveLength(1);
  });
});
