import { createHash } from 'node:crypto';
import { Partitioners, type Kafka, type Message, type PartitionMetadata, type Producer, type ProducerBatch, type ProducerConfig, type RecordMetadata, type TopicMessages } from 'kafkajs';

/** Thrown by the partitioner, before kafkajs sends anything, when one attempt would reach several brokers. */
class SendSpansLeaders extends Error {
  override readonly name = 'SendSpansLeaders';
  /** kafkajs gives up on the send at once (no retry of its own): the producer below regroups it. */
  readonly retriable = false;

  constructor(leaders: Iterable<number | undefined>) {
    super(`complete-send: one send would reach leaders ${[...leaders].join(', ')}; it goes out per leader instead`);
  }
}

interface Entry {
  topic: string;
  message: Message;
}

/** The messages of one kafkajs send, and the leaders its current attempt reaches (the partitioner fills it). */
interface Attempt {
  first: Message;
  last: Message;
  leaders: Set<number | undefined>;
}

/** A message's topic, key and value: how a caller's retry (the same messages, maybe new objects) is recognised. */
function fingerprint({ topic, message }: Entry): string {
  return createHash('sha256')
    .update(topic)
    .update('\0')
    .update(message.key ?? '')
    .update('\0')
    .update(message.value ?? '')
    .digest('base64');
}

const leaderOf = (metadata: PartitionMetadata[], partition: number) => metadata.find(({ partitionId }) => partitionId === partition)?.leader;

/** Appends in place: a send can hold tens of thousands of messages, so copying a list per message would be quadratic. */
function appendTo<K, V>(lists: Map<K, V[]>, key: K, value: V): void {
  const list = lists.get(key);
  if (list) list.push(value);
  else lists.set(key, [value]);
}

function byTopic(entries: Entry[]): TopicMessages[] {
  const topics = new Map<string, Message[]>();
  for (const { topic, message } of entries) appendTo(topics, topic, message);
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}

/**
 * A kafkajs producer whose `send` and `sendBatch` write every message once: they resolve only once
 * every message is on the topic, and a resend never writes a message again.
 *
 * kafkajs 2.2.4 sends one request per partition leader and retries the whole send as soon as one
 * request fails, while the others may still wait for their replicas. Its retry builds a request for
 * every broker without an answer yet — those in flight included — which waits for the broker's lock
 * and, once the first request is acknowledged, goes out with the sequence numbers after it: the
 * broker writes the same messages again (the leader-failover fault run stored 428 events twice).
 * The same retry skips every broker that did answer, so a partition that moved to one of them is
 * never written and the send resolves anyway (tulios/kafkajs#1303: 1,143 of 200,000 events lost).
 *
 * So every kafkajs send here reaches one leader: a batch is split by the leaders kafkajs's own
 * metadata gave last, and the partitioner refuses (before anything is sent) an attempt that would
 * reach two — after a leader moved — so the batch is regrouped. A send's requests then never
 * overlap, and kafkajs rolls a failed request's sequence numbers back before its next attempt: a
 * retry of a request the broker had written is recognised as a copy (idempotent producer). Sends
 * run one at a time, so two never number the same partition's messages at once. When a group fails
 * after others were written, the error is thrown and the written messages are remembered by
 * content: a caller's retry of the same messages skips them once, whatever other sends failed
 * meanwhile. A partition missing from an acknowledgement (kafkajs answers per broker) is sent again
 * by itself.
 *
 * What stays open: a request whose outcome is unknown when the process (or its producer id) ends —
 * a new producer's resend is a new write. Readers show identical copies once.
 */
export function createCompleteSendProducer(kafka: Kafka, config: ProducerConfig = {}): Producer {
  const choose = (config.createPartitioner ?? Partitioners.DefaultPartitioner)();
  const partitionOf = new WeakMap<Message, number>();
  const metadataOf = new Map<string, PartitionMetadata[]>();
  const attemptOf = new WeakMap<Message, Attempt>();
  /**
   * What failed sends had written, by fingerprint (how many of each), until a retry skips it: kept
   * for every failed send, as callers sharing the producer (an ingestor's partitions) can fail in turn
   * before each retries.
   */
  const writtenBeforeFailure = new Map<string, number>();
  const producer = kafka.producer({
    ...config,
    createPartitioner: () => (args) => {
      const partition = partitionOf.get(args.message) ?? choose(args);
      partitionOf.set(args.message, partition);
      metadataOf.set(args.topic, args.partitionMetadata);
      const attempt = attemptOf.get(args.message);
      if (attempt) {
        if (args.message === attempt.first) attempt.leaders.clear();
        attempt.leaders.add(leaderOf(args.partitionMetadata, partition));
        if (args.message === attempt.last && attempt.leaders.size > 1) throw new SendSpansLeaders(attempt.leaders);
      }
      return partition;
    },
  });

  /** Groups by the leader kafkajs's metadata named last (messages of a topic it has not seen yet: one group). */
  const groupByLeader = (entries: Entry[]): Entry[][] => {
    const groups = new Map<number | undefined, Entry[]>();
    for (const entry of entries) {
      const metadata = metadataOf.get(entry.topic);
      let leader: number | undefined;
      if (metadata) {
        const partition = partitionOf.get(entry.message) ?? choose({ topic: entry.topic, partitionMetadata: metadata, message: entry.message });
        partitionOf.set(entry.message, partition);
        leader = leaderOf(metadata, partition);
      }
      appendTo(groups, leader, entry);
    }
    return [...groups.values()];
  };

  const sendGroup = (batch: ProducerBatch, group: Entry[]): Promise<RecordMetadata[]> => {
    // kafkajs partitions the messages topic by topic, in this order: its first and last are the attempt's.
    const topicMessages = byTopic(group);
    const attempt: Attempt = { first: topicMessages[0].messages[0], last: topicMessages[topicMessages.length - 1].messages.at(-1)!, leaders: new Set() };
    for (const { message } of group) attemptOf.set(message, attempt);
    return producer.sendBatch({ ...batch, topicMessages });
  };

  const sendAll = async (batch: ProducerBatch): Promise<RecordMetadata[]> => {
    const acknowledged: RecordMetadata[] = [];
    const written: Entry[] = [];
    let pending = (batch.topicMessages ?? []).flatMap(({ topic, messages }) => messages.map((message) => ({ topic, message })));
    // A caller's retry after a failure: what that send did write is not written again.
    if (writtenBeforeFailure.size > 0) {
      pending = pending.filter((entry) => {
        const key = fingerprint(entry);
        const left = writtenBeforeFailure.get(key) ?? 0;
        if (left > 1) writtenBeforeFailure.set(key, left - 1);
        else writtenBeforeFailure.delete(key);
        return left === 0;
      });
    }
    while (pending.length > 0) {
      const groups = groupByLeader(pending);
      pending = [];
      let failure: unknown;
      let unanswered = 0;
      const outcomes = await Promise.allSettled(groups.map((group) => sendGroup(batch, group)));
      outcomes.forEach((outcome, index) => {
        if (outcome.status === 'rejected') {
          if (outcome.reason instanceof SendSpansLeaders) pending.push(...groups[index]);
          else failure ??= outcome.reason;
          return;
        }
        acknowledged.push(...outcome.value);
        // Without acknowledgements (acks 0) there is nothing to compare against.
        const answered = new Set(outcome.value.map(({ topicName, partition }) => `${topicName}:${partition}`));
        for (const entry of groups[index]) {
          if (batch.acks === 0 || answered.has(`${entry.topic}:${partitionOf.get(entry.message)}`)) written.push(entry);
          else {
            pending.push(entry);
            unanswered += 1;
          }
        }
      });
      if (failure !== undefined) {
        for (const key of written.map(fingerprint)) writtenBeforeFailure.set(key, (writtenBeforeFailure.get(key) ?? 0) + 1);
        throw failure;
      }
      if (unanswered > 0) producer.logger().warn('kafkajs acknowledged a send without some of its partitions; sending their messages again', { messages: unanswered });
    }
    return acknowledged;
  };

  // One send at a time: kafkajs numbers a partition's messages when a request goes out and rolls the
  // numbers back when it fails, so two sends sharing a partition must not interleave.
  let queue: Promise<unknown> = Promise.resolve();
  const sendBatch = (batch: ProducerBatch): Promise<RecordMetadata[]> => {
    const result = queue.then(() => sendAll(batch));
    queue = result.catch(() => undefined);
    return result;
  };

  return { ...producer, sendBatch, send: ({ topic, messages, ...options }) => sendBatch({ ...options, topicMessages: [{ topic, messages }] }) };
}
