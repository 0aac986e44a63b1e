export { IngestModule, startIngestion, type IngestModuleOptions } from './ingest.module';
export { IngestConfig } from './ingest.config';
export { INGEST_BATCH_PATTERN, KafkaBatchTransport, type KafkaBatchTransportDiagnostics, type KafkaBatchTransportOptions, type KafkaBatchTransportStats, type PartitionBatch } from './kafka-batch.transport';
export { AuditBatchIngester, type IngestOutcome } from './audit-batch.ingester';
export { DeadLetterPublisher, reasonOf, type DeadLetter, type DeadLetterReason } from './dead-letter.publisher';
export { isRetryableInsertError, insertErrorCode } from './insert-error.classifier';
export { deduplicationToken, parsePendingMetadata, pendingMetadata, type OffsetRange } from './offset-range';
export { redriveDeadLetters, type RedriveOptions, type RedriveReport } from './dead-letter.redriver';
export { ChainCheckpointWriter, chainCheckpointProviders, type ChainCheckpointWriterOptions } from './chain-checkpoint.writer';
