export { createTestTopics, openTestClickHouse, testBrokers, testKafka, uniqueName, waitFor, type TestClickHouse } from './test-services';
export { readTopic, type ReadMessage } from './topic.reader';
export { startPrivateBroker, startPrivateCluster, type PrivateBroker, type PrivateCluster } from './private-broker';
export { signTestToken, type TestTokenOptions } from './test-token';
export { groupProgress, makeEvents, publish, storedCounts, toMessage, topicSize, type StoredCounts } from './ingest-traffic';
export { buildIngestor, spawnIngestor, type IngestorProcess } from './ingestor.process';
export { repoRoot } from './repo-root';
export { buildVerifiedExport, exportTamperings, exportTestColumns, runExportVerifier, type ExportTestColumns, type VerifierRun } from './export-verifier';
export { chainEvents, storeChain, testSigningKey, type StoredTestChain, type StoredTestLink } from './chain.fixtures';
