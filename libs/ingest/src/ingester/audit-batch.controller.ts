import { Controller } from '@nestjs/common';
import { EventPattern, Payload, RpcException } from '@nestjs/microservices';
import { AuditBatchIngester, type IngestOutcome } from './audit-batch.ingester';
import { INGEST_BATCH_PATTERN, type PartitionBatch } from '../transport/kafka-batch.transport';

/** Receives each flushed block from {@link KafkaBatchTransport}; offsets are committed when this resolves. */
@Controller()
export class AuditBatchController {
  constructor(private readonly ingester: AuditBatchIngester) {}

  @EventPattern(INGEST_BATCH_PATTERN)
  async ingest(@Payload() batch: PartitionBatch): Promise<IngestOutcome> {
    try {
      return await this.ingester.ingest(batch);
    } catch (error) {
      // The ingester has logged the cause; as an RpcException it reaches the transport (which
      // retries the block) without Nest's RPC filter logging a stack trace on every attempt.
      throw new RpcException(error instanceof Error ? error.message : String(error));
    }
  }
}
