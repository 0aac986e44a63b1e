import { makeAuditEvent, type AuditEvent } from '@audit/contract';
import type { ChainHead } from '@audit/integrity';
import { publishStored, waitFor, WebhookReceiver } from '@audit/testing';
import { startDeliveryHarness, type DeliveryHarness } from '../testing';

jest.setTimeout(120_000);

const events = (organizationId: string, count: number, overrides: (index: number) => Partial<AuditEvent> = () => ({})): AuditEvent[] =>
  Array.from({ length: count }, (_, index) => makeAuditEvent({ organizationId, resource: { type: index % 3 === 0 ? 'Patient' : 'Member', id: `r_${index}` }, ...overrides(index) }));

describe('stream delivery to a webhook (real broker, the delivery as the apps run it)', () => {
  let harness: DeliveryHarness;
  const receivers: WebhookReceiver[] = [];
  const heads = new Map<string, ChainHead>();

  beforeAll(async () => {
    harness = await startDeliveryHarness();
    await harness.startDelivery();
  });

  afterAll(async () => {
    await harness?.close();
    for (const receiver of receivers) await receiver.stop();
  });

  async function receiver(secret = 'whsec-test-secret-0123456789'): Promise<WebhookReceiver> {
    const started = await new WebhookReceiver(secret).start();
    receivers.push(started);
    return started;
  }

  it('should deliver every event of its organization after its creation, signed, in ranges a receiver can prove gap-free', async () => {
    const webhook = await receiver();
    const stream = await harness.define({ organizationId: 'org_a', destination: { type: 'webhook', url: `${webhook.baseUrl}/hook` }, secret: webhook.secret });
    await harness.waitForState(stream.id, 'active');
    await publishStored(harness.kafka, harness.storedTopic, [...events('org_a', 700), ...events('org_other', 300)], heads);
    await waitFor(async () => (webhook.ledger.report(new Map([['org_a', { to: 700 }]])).missing === 0 ? true : undefined), { what: '700 events at the webhook' });
    expect(webhook.ledger.report(new Map([['org_a', { to: 700 }]]))).toEqual({ delivered: 700, unique: 700, duplicates: 0, missing: 0, uncovered: 0, checkpoints: 0 });
    expect([...webhook.ledger.seen.keys()]).toEqual(['org_a']);
    expect(webhook.badSignatures).toBe(0);
    expect(webhook.batches.every((batch, index) => batch.streamId === stream.id && batch.batchSeq === index)).toBe(true);
    await waitFor(async () => (harness.status(stream.id)?.delivered === 700 ? true : undefined), { what: 'the status to count 700 delivered' });
  });

  it('should deliver only the events its filter keeps, with ranges still covering every sequence', async () => {
    const webhook = await receiver();
    const stream = await harness.define({ organizationId: 'org_f', destination: { type: 'webhook', url: webhook.baseUrl }, secret: webhook.secret, filter: { resourceTypes: ['Patient'], statuses: ['success'] } });
    await harness.waitForState(stream.id, 'active');
    const published = events('org_f', 300, (index) => ({ status: index % 2 === 0 ? 'success' : 'failure', ...(index % 2 === 1 && { reason: 'denied' }) }));
    await publishStored(harness.kafka, harness.storedTopic, published, heads);
    const kept = published.filter((event) => event.resource.type === 'Patient' && event.status === 'success');
    await waitFor(async () => (webhook.ledger.report(new Map([['org_f', { to: 300 }]])).uncovered === 0 ? true : undefined), { what: 'ranges covering all 300 sequences', timeoutMs: 30_000 });
    const delivered = [...(webhook.ledger.seen.get('org_f')?.values() ?? [])];
    expect(delivered.sort()).toEqual(kept.map((event) => event.id).sort());
  });

  it('should keep its position while the receiver is down, report failing, and deliver everything once it is back', async () => {
    const webhook = await receiver();
    const stream = await harness.define({ organizationId: 'org_down', destination: { type: 'webhook', url: webhook.baseUrl }, secret: webhook.secret });
    await harness.waitForState(stream.id, 'active');
    await webhook.stop();
    await publishStored(harness.kafka, harness.storedTopic, events('org_down', 400), heads);
    const failing = await harness.waitForState(stream.id, 'failing');
    expect(failing.lastError?.message).toMatch(/ECONNREFUSED|socket hang up|connect/);
    await webhook.start();
    await waitFor(async () => (webhook.ledger.report(new Map([['org_down', { to: 400 }]])).missing === 0 ? true : undefined), { what: '400 events after the receiver came back' });
    expect(webhook.ledger.report(new Map([['org_down', { to: 400 }]]))).toMatchObject({ unique: 400, missing: 0, uncovered: 0 });
    await harness.waitForState(stream.id, 'active');
  });

  it('should resume from its committed position when the delivery restarts, and deliver what was stored meanwhile', async () => {
    const webhook = await receiver();
    const stream = await harness.define({ organizationId: 'org_restart', destination: { type: 'webhook', url: webhook.baseUrl }, secret: webhook.secret });
    await harness.waitForState(stream.id, 'active');
    await publishStored(harness.kafka, harness.storedTopic, events('org_restart', 200), heads);
    await waitFor(async () => (webhook.ledger.report(new Map([['org_restart', { to: 200 }]])).missing === 0 ? true : undefined), { what: 'the first 200' });
    await harness.stopDelivery();
    await publishStored(harness.kafka, harness.storedTopic, events('org_restart', 200), heads);
    await harness.startDelivery();
    await waitFor(async () => (webhook.ledger.report(new Map([['org_restart', { to: 400 }]])).missing === 0 ? true : undefined), { what: 'all 400 after the restart' });
    expect(webhook.ledger.report(new Map([['org_restart', { to: 400 }]]))).toMatchObject({ unique: 400, missing: 0, uncovered: 0 });
  });

  it('should drop a republished record (an ingest replay) by sequence instead of delivering it twice', async () => {
    const webhook = await receiver();
    const stream = await harness.define({ organizationId: 'org_replayed', destination: { type: 'webhook', url: webhook.baseUrl }, secret: webhook.secret });
    await harness.waitForState(stream.id, 'active');
    const batch = events('org_replayed', 50);
    const before = new Map(heads);
    await publishStored(harness.kafka, harness.storedTopic, batch, heads);
    await publishStored(harness.kafka, harness.storedTopic, batch, before);
    await publishStored(harness.kafka, harness.storedTopic, events('org_replayed', 10), heads);
    await waitFor(async () => (webhook.ledger.report(new Map([['org_replayed', { to: 60 }]])).missing === 0 ? true : undefined), { what: '60 events' });
    expect(webhook.ledger.report(new Map([['org_replayed', { to: 60 }]]))).toMatchObject({ delivered: 60, duplicates: 0 });
    await waitFor(async () => ((harness.status(stream.id)?.duplicatesDropped ?? 0) >= 50 ? true : undefined), { what: 'the status to count the dropped copies' });
  });

  it.each([
    ['a loopback address outside the allow-list', (port: number) => `https://127.0.0.2:${port}/hook`, /127\.0\.0\.2, a loopback, private, link-local or reserved address/],
    ['the metadata address', () => 'https://169.254.169.254/latest/meta-data', /169\.254\.169\.254, a loopback, private, link-local or reserved address/],
    ['plain http to an address outside the allow-list', (port: number) => `http://127.0.0.2:${port}/hook`, /plain http is only for allow-listed receivers/],
  ])('should refuse to send to %s, and say so in its status', async (_name, url, message) => {
    const webhook = await receiver();
    const stream = await harness.define({ organizationId: 'org_ssrf', destination: { type: 'webhook', url: url(webhook.port) }, secret: webhook.secret });
    await harness.waitForState(stream.id, 'active');
    await publishStored(harness.kafka, harness.storedTopic, events('org_ssrf', 5), heads);
    const failing = await harness.waitForState(stream.id, 'failing');
    expect(failing.lastError?.message).toMatch(message);
    expect(webhook.requests).toHaveLength(0);
    await harness.store.definitions.put(stream.id, null);
  });
});
