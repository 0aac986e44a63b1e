export { KafkaConfig } from './kafka.config';
export { createKafka, type KafkaClientOptions } from './kafka-client.factory';
export { auditTopics, ensureTopics, type TopicSpec } from './topic.admin';
