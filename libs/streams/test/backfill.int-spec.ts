import { makeAuditEvent, type AuditEvent } from '@audit/contract';
import type { ChainHead } from '@audit/integrity';
import { openTestClickHouse, publishStored, storeChain, waitFor, WebhookReceiver, type TestClickHouse } from '@audit/testing';
import { startDeliveryHarness, type DeliveryHarness } from '../testing';

jest.setTimeout(180_000);

const events = (organizationId: string, count: number): AuditEvent[] => Array.from({ length: count }, () => makeAuditEvent({ organizationId }));

describe('stream positions: backfill from ClickHouse, replay by time', () => {
  const receivers: WebhookReceiver[] = [];
  const harnesses: DeliveryHarness[] = [];

  // Each test's delivery stops before the next starts: two deliveries at once only slow both.
  afterEach(async () => {
    for (const harness of harnesses.splice(0)) await harness.close();
    for (const receiver of receivers.splice(0)) await receiver.stop();
  });

  async function setUp(partitions: number): Promise<{ harness: DeliveryHarness; webhook: WebhookReceiver }> {
    const [harness, webhook] = await Promise.all([startDeliveryHarness({ partitions }), new WebhookReceiver('whsec-backfill-00000000').start()]);
    harnesses.push(harness);
    receivers.push(webhook);
    return { harness, webhook };
  }

  describe('with ClickHouse', () => {
    let clickhouse: TestClickHouse;

    beforeAll(async () => {
      clickhouse = await openTestClickHouse();
    });

    afterAll(async () => {
      await clickhouse?.close();
    });

    it('should deliver from ClickHouse what the topic no longer holds, then the topic from the seam: no gap, no copy', async () => {
      const { harness, webhook } = await setUp(3);
      const history = events('org_h', 800);
      // Links 1-800 are stored; the topic holds only 501-800 (retention took the rest).
      const stored = await storeChain(clickhouse.handle, clickhouse.database, history, { blockRows: 200 });
      const onTopic = new Map<string, ChainHead>([['org_h', stored.links[499] && { seq: 500, hash: stored.links[499].hash }]]);
      await publishStored(harness.kafka, harness.storedTopic, history.slice(500), onTopic);
      await harness.startDelivery(clickhouse);
      const stream = await harness.define({
        organizationId: 'org_h',
        destination: { type: 'webhook', url: webhook.baseUrl },
        secret: webhook.secret,
        position: { id: 'p1', kind: 'from', from: new Date(Date.now() - 3_600_000).toISOString() },
      });
      await waitFor(async () => (harness.status(stream.id)?.backfill?.done ? true : undefined), { what: 'the backfill to finish', timeoutMs: 60_000 });
      // Copies of links below the seam (a replayed ingest block) and new links after it.
      await publishStored(harness.kafka, harness.storedTopic, history.slice(790), new Map([['org_h', { seq: 790, hash: stored.links[789].hash }]]));
      const more = events('org_h', 100);
      const tail = await storeChain(clickhouse.handle, clickhouse.database, more, { after: stored.head });
      await publishStored(harness.kafka, harness.storedTopic, more, new Map([['org_h', stored.head]]));
      const expected = new Map([['org_h', { to: 900 }]]);
      await waitFor(async () => (webhook.ledger.report(expected).missing === 0 ? true : undefined), { what: 'links 1-900 at the webhook', timeoutMs: 60_000 });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(webhook.ledger.report(expected)).toEqual({ delivered: 900, unique: 900, duplicates: 0, missing: 0, uncovered: 0, checkpoints: 0 });
      expect([...(webhook.ledger.seen.get('org_h')?.values() ?? [])].slice(-1)).toEqual([tail.links[99].eventId]);
      expect(harness.status(stream.id)).toMatchObject({ appliedPosition: 'p1', backfill: { delivered: 800, done: true } });
    });
  });

  it('should replay from a time the topic still holds by moving the group, without ClickHouse', async () => {
    const { harness, webhook } = await setUp(1);
    await harness.startDelivery();
    const heads = new Map<string, ChainHead>();
    await publishStored(harness.kafka, harness.storedTopic, events('org_r', 100), heads);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const from = new Date(Date.now() - 500).toISOString();
    await publishStored(harness.kafka, harness.storedTopic, events('org_r', 100), heads);
    const stream = await harness.define({ organizationId: 'org_r', destination: { type: 'webhook', url: webhook.baseUrl }, secret: webhook.secret });
    await harness.waitForState(stream.id, 'active');
    await harness.change(stream.id, { position: { id: 'replay-1', kind: 'from', from } });
    const expected = new Map([['org_r', { from: 101, to: 200 }]]);
    await waitFor(async () => (webhook.ledger.report(expected).missing === 0 ? true : undefined), { what: 'links 101-200 replayed', timeoutMs: 60_000 });
    expect(webhook.ledger.report(expected)).toMatchObject({ delivered: 100, duplicates: 0, uncovered: 0 });
    expect(webhook.ledger.seen.get('org_r')?.has(100)).toBe(false);
    expect(harness.status(stream.id)?.appliedPosition).toBe('replay-1');
  });

  it('should fail loudly, never skip, when the topic no longer holds the start and no ClickHouse is at hand', async () => {
    const { harness, webhook } = await setUp(3);
    await harness.startDelivery();
    const stream = await harness.define({
      organizationId: 'org_lost',
      destination: { type: 'webhook', url: webhook.baseUrl },
      secret: webhook.secret,
      position: { id: 'too-old', kind: 'from', from: new Date(Date.now() - 86_400_000).toISOString() },
    });
    const failing = await harness.waitForState(stream.id, 'failing');
    expect(failing.lastError?.message).toMatch(/no longer holds everything since .* no ClickHouse access for a backfill/);
  });
});
