export { createTestTopics, openTestClickHouse, testBrokers, testKafka, uniqueName, waitFor, type TestClickHouse } from './test-services';
