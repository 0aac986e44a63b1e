export { createTestTopics, openTestClickHouse, testBrokers, testKafka, uniqueName, waitFor, type TestClickHouse } from './test-services';
export { readTopic, type ReadMessage } from './topic.reader';
export { startPrivateBroker, type PrivateBroker } from './private-broker';
export { signTestToken, type TestTokenOptions } from './test-token';
