import { createCompleteSendProducer, createKafka } from '@audit/kafka';
import { Partitioners, type Producer } from 'kafkajs';

export interface KafkaProducerSettings {
  brokers: string[];
  clientId: string;
}

/**
 * The kafkajs producer behind AuditProducer, wherever it runs (the caller's thread or the worker
 * thread): idempotent, one request in flight (so a retried request cannot overtake a later one),
 * the Java-compatible partitioner (key = organizationId → the partition every Kafka client picks),
 * and a send that writes every message of it once (kafkajs alone can drop a partition's messages
 * or write them twice when a leader dies mid-send: see createCompleteSendProducer).
 */
export function createAuditKafkaProducer(settings: KafkaProducerSettings): Producer {
  // kafkajs retries an idempotent producer's retriable errors itself; a finite `retries` there
  // "may invalidate EoS guarantees", so it is unbounded (pauses capped at 1 s, to resume soon
  // after a broker restart) and whatever still escapes is retried by AuditProducer.
  return createCompleteSendProducer(createKafka({ brokers: settings.brokers, clientId: settings.clientId }), {
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 1_000 },
  });
}
