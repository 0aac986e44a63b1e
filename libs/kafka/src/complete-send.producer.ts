import { Partitioners, type Kafka, type Message, type Producer, type ProducerBatch, type ProducerConfig, type RecordMetadata, type TopicMessages } from 'kafkajs';

/**
 * A kafkajs producer whose `send` and `sendBatch` resolve only once every message is on the topic.
 *
 * kafkajs 2.2.4 can resolve a send with messages that were never written (tulios/kafkajs#1303):
 * a retried send skips every broker that acknowledged its part in an earlier attempt, so when a
 * partition's leader dies mid-request and the partition moves to one of those brokers, its
 * messages are dropped without an error. The three-node failover run (issue #15) lost 1,143 of
 * 200,000 acknowledged events that way.
 *
 * Here the partitioner records where each message went, and the messages of every partition
 * missing from the acknowledgement are sent again, by themselves, until none is missing. kafkajs
 * rolled back those partitions' sequence numbers when their request failed, so if that request had
 * in fact been written, the broker recognises the resend as a duplicate (idempotent producer).
 */
export function createCompleteSendProducer(kafka: Kafka, config: ProducerConfig = {}): Producer {
  const partitionOf = new WeakMap<Message, number>();
  const createPartitioner = config.createPartitioner ?? Partitioners.DefaultPartitioner;
  const producer = kafka.producer({
    ...config,
    createPartitioner: () => {
      const choose = createPartitioner();
      return (args) => {
        const partition = choose(args);
        partitionOf.set(args.message, partition);
        return partition;
      };
    },
  });

  const unacknowledged = (sent: TopicMessages[], result: RecordMetadata[]): TopicMessages[] => {
    const written = new Set(result.map(({ topicName, partition }) => `${topicName}:${partition}`));
    return sent
      .map(({ topic, messages }) => ({ topic, messages: messages.filter((message) => !written.has(`${topic}:${partitionOf.get(message)}`)) }))
      .filter(({ messages }) => messages.length > 0);
  };

  const sendBatch = async (batch: ProducerBatch): Promise<RecordMetadata[]> => {
    const acknowledged: RecordMetadata[] = [];
    let pending = batch.topicMessages ?? [];
    while (pending.length > 0) {
      const result = await producer.sendBatch({ ...batch, topicMessages: pending });
      acknowledged.push(...result);
      // Without acknowledgements (acks 0) there is nothing to compare against.
      if (batch.acks === 0) break;
      pending = unacknowledged(pending, result);
      if (pending.length > 0) {
        const partitions = pending.flatMap(({ topic, messages }) => [...new Set(messages.map((message) => `${topic}[${partitionOf.get(message)}]`))]);
        producer.logger().warn('kafkajs acknowledged a send without some of its partitions (a leader moved mid-send); sending their messages again', { partitions });
      }
    }
    return acknowledged;
  };

  return { ...producer, sendBatch, send: ({ topic, messages, ...options }) => sendBatch({ ...options, topicMessages: [{ topic, messages }] }) };
}
