import { packStoredLines, type AuditEvent } from '@audit/contract';
import { GENESIS, type ChainHead } from '@audit/integrity';
import { createCompleteSendProducer } from '@audit/kafka';
import type { Kafka } from 'kafkajs';
import { chainLines } from './chain.fixtures';

/**
 * Publishes events to a projection topic as the ingester would after storing them: per
 * organization, chained on from `heads` (updated in place), packed into records of `recordBytes`.
 * Returns each organization's head after them.
 */
export async function publishStored(kafka: Kafka, topic: string, events: AuditEvent[], heads = new Map<string, ChainHead>(), recordBytes = 16 * 1024): Promise<Map<string, ChainHead>> {
  const byOrganization = new Map<string, AuditEvent[]>();
  for (const event of events) byOrganization.set(event.organizationId, [...(byOrganization.get(event.organizationId) ?? []), event]);
  const producer = createCompleteSendProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (const [organizationId, own] of byOrganization) {
      const before = heads.get(organizationId) ?? GENESIS;
      const { lines, head } = chainLines(own, before);
      const records = packStoredLines(organizationId, lines.map((line) => Buffer.from(line)), before.seq + 1, recordBytes);
      for (let start = 0; start < records.length; start += 20) await producer.send({ topic, acks: -1, messages: records.slice(start, start + 20) });
      heads.set(organizationId, head);
    }
  } finally {
    await producer.disconnect();
  }
  return heads;
}
