export { KafkaConfig } from './kafka.config';
export { createKafka, type KafkaClientOptions } from './kafka-client.factory';
export { createCompleteSendProducer } from './complete-send.producer';
export { auditTopics, ensureTopics, type TopicSpec } from './topic.admin';
export { ConsumerLagReader, type PartitionLag, type ReadLagOptions } from './consumer-lag.reader';
export { readTopicRanges, type PartitionRange, type RangeMessage, type ReadRangeOptions } from './topic-range.reader';
export { DEFAULT_MAX_DECOMPRESSED_BATCH_BYTES } from './codecs/compression-codecs.registry';
export { UNDECODABLE_BATCH_HEADER } from './codecs/undecodable-batch.records';
export { produceRequestEncodings, type ProduceArgs, type ProducedMessage, type ProduceProtocol } from './produce-encoding/produce-request.patch';
