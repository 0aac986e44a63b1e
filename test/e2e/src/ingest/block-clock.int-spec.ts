// Finding 2 of issue 15: a block is validated at the clock recorded with its range, so a retry that
// runs later has the outcome of the attempt that landed. An event just beyond the contract's
// one-hour skew is refused at the block's clock and valid a few seconds later: with a new clock per
// attempt it was neither stored nor dead-lettered (ClickHouse dropped the changed block as a copy)
// and the chain head moved past a row that does not exist. The replay after kill -9:
// crash-recovery.int-spec.ts.
import { AuditChainRepository } from '@audit/clickhouse';
import { DLQ_HEADERS, makeAuditEvent } from '@audit/contract';
import { verifyStoredChain } from '@audit/integrity';
import {
  createTestTopics,
  publish,
  readTopic,
  storedCounts,
  testKafka,
  toMessage,
  topicSize,
  waitFor,
} from '@audit/testing';
import { InProcessIngestor } from './in-process-ingestor';
import { BEYOND_MS, ORGANIZATION, boundaryPair, sleepUntil } from './skew-boundary';

describe('a block retried after its rows landed, with an event at the clock-skew limit', () => {
  const kafka = testKafka('ingest-block-clock');
  const stack = new InProcessIngestor();
  beforeAll(() => stack.open());
  afterAll(() => stack.close(), 30_000);

  it('should end the event dead-lettered or stored, never neither, and leave a chain that verifies', async () => {
    const { topic, dlqTopic } = await createTestTopics(kafka, 1);
    const { clickhouse } = stack;
    const ingestor = await stack.start({ topic, dlqTopic }, {
      INGEST_FLUSH_INTERVAL_MS: '100',
      INGEST_RETRY_INITIAL_MS: '100',
      INGEST_RETRY_MAX_MS: '400',
    });
    // A first event warms the ingester's chain heads, so the next block reads nothing before its insert.
    await publish(kafka, topic, [toMessage(makeAuditEvent({ organizationId: ORGANIZATION }))]);
    await waitFor(async () => ((await storedCounts(clickhouse.handle, clickhouse.database)).ids === 1 ? true : undefined), { what: 'the first event stored' });

    // Without the heads table the block's rows land, then its heads insert fails and the block is retried.
    const heads = `${clickhouse.database}.audit_chain_heads`;
    await clickhouse.handle.client.command({ query: `DETACH TABLE ${heads}` });
    const publishedAt = Date.now();
    const { onTime, ahead } = boundaryPair(publishedAt);
    await publish(kafka, topic, [onTime, ahead].map(toMessage));
    await waitFor(async () => (ingestor.transport.stats().retries > 0 ? true : undefined), { what: 'the block to fail once', intervalMs: 20 });
    // Past this instant a new clock would accept the event the first attempt refused.
    await sleepUntil(publishedAt + BEYOND_MS + 1000);
    await clickhouse.handle.client.command({ query: `ATTACH TABLE ${heads}` });
    await waitFor(async () => (ingestor.transport.stats().committedMessages >= 3 ? true : undefined), { what: 'the block committed', timeoutMs: 30_000 });

    const rows = await clickhouse.handle.client.query({ query: `SELECT toString(event_id) AS id FROM ${clickhouse.database}.audit_events`, format: 'JSONEachRow' });
    const stored = (await rows.json<{ id: string }>()).map(({ id }) => id);
    const letters = (await topicSize(kafka, dlqTopic)) === 0 ? [] : await readTopic(kafka, dlqTopic, { count: 1 });
    const deadLettered = letters.map(({ message }) => message.headers?.[DLQ_HEADERS.offset]?.toString());
    // Refused at the block's clock (the usual case) or accepted by a block cut late: one fate, whatever the retries.
    const aheadStored = stored.includes(ahead.id);
    expect({ aheadStored, aheadDeadLettered: deadLettered.includes('2') }).toEqual({ aheadStored, aheadDeadLettered: !aheadStored });
    expect(stored).toContain(onTime.id);
    const report = await verifyStoredChain(new AuditChainRepository(clickhouse.handle.client, clickhouse.database), { organizationId: ORGANIZATION });
    expect({ status: report.status, checked: report.checked }).toEqual({ status: 'ok', checked: aheadStored ? 3 : 2 });
  }, 90_000);
});
