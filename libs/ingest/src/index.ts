export { IngestModule } from './ingest.module';
export { IngestConfig } from './ingest.config';
export { AuditEventsConsumer, type AuditEventsConsumerOptions } from './audit-events.consumer';
export { DeadLetterPublisher, type DeadLetter } from './dead-letter.publisher';
