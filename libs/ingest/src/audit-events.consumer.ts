import { parseAuditEventMessage } from '@audit/contract';
import { AuditEventsWriteRepository, toAuditEventRow, type AuditEventRow } from '@audit/clickhouse';
import { Logger } from '@nestjs/common';
import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { DeadLetterPublisher, type DeadLetter } from './dead-letter.publisher';

export interface AuditEventsConsumerOptions {
  topic: string;
  dlqTopic: string;
  groupId: string;
}

/**
 * Kafka → ClickHouse. Each fetched batch of a partition becomes one insert whose deduplication
 * token is the offset range it covers; offsets are committed only after the insert returned, so
 * a crash replays the range and ClickHouse drops the block it already has.
 */
export class AuditEventsConsumer {
  private readonly logger = new Logger(AuditEventsConsumer.name);
  private consumer?: Consumer;
  private producer?: Producer;

  constructor(
    private readonly kafka: Kafka,
    private readonly writer: AuditEventsWriteRepository,
    private readonly options: AuditEventsConsumerOptions,
  ) {}

  async start(): Promise<void> {
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    const deadLetters = new DeadLetterPublisher(this.producer, this.options.topic, this.options.dlqTopic);
    this.consumer = this.kafka.consumer({ groupId: this.options.groupId, allowAutoTopicCreation: false });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.handleBatch(payload, deadLetters),
    });
    this.logger.log(`consuming ${this.options.topic} as group ${this.options.groupId}`);
  }

  private async handleBatch({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat }: EachBatchPayload, deadLetters: DeadLetterPublisher) {
    if (batch.messages.length === 0) return;
    const rows: AuditEventRow[] = [];
    const letters: DeadLetter[] = [];
    for (const message of batch.messages) {
      const result = parseAuditEventMessage(message.value);
      if (result.ok) rows.push(toAuditEventRow(result.event, { partition: batch.partition, offset: message.offset }));
      else letters.push({ message, partition: batch.partition, reason: 'contract', violations: result.violations });
    }
    const first = batch.firstOffset();
    const last = batch.lastOffset();
    await deadLetters.publish(letters);
    await this.writer.insert(rows, { deduplicationToken: `${batch.topic}:${batch.partition}:${first}-${last}` });
    resolveOffset(last);
    await commitOffsetsIfNecessary();
    await heartbeat();
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
  }
}
