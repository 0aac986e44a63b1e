import { makeAuditEvent, STORED_HEADERS, type AuditEvent } from '@audit/contract';
import { signCheckpoint, type ChainHead } from '@audit/integrity';
import { DatadogLogsReceiver, publishStored, SplunkHecReceiver, SyslogReceiver, testCertificate, testSigningKey, waitFor, WebhookReceiver } from '@audit/testing';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDeliveryHarness, type DeliveryHarness } from '../testing';

jest.setTimeout(120_000);

const events = (organizationId: string, count: number, failures = false): AuditEvent[] =>
  Array.from({ length: count }, (_, index) => makeAuditEvent({ organizationId, ...(failures && index % 4 === 0 && { status: 'failure', reason: 'denied "quoted"] \\ value' }) }));

describe('stream delivery to Splunk HEC, Datadog logs and syslog (local receivers speaking their documented protocols)', () => {
  let harness: DeliveryHarness;
  let folder: string;
  const tls = testCertificate();
  const heads = new Map<string, ChainHead>();
  const stops: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'audit-streams-ca-'));
    const caFile = join(folder, 'ca.pem');
    writeFileSync(caFile, tls.cert);
    harness = await startDeliveryHarness({ env: { STREAMS_TLS_CA_FILE: caFile } });
    await harness.startDelivery();
  });

  afterAll(async () => {
    await harness?.close();
    for (const stop of stops) await stop();
    rmSync(folder, { recursive: true, force: true });
  });

  const expectAll = async (ledger: { report: WebhookReceiver['ledger']['report'] }, organizationId: string, count: number) => {
    const expected = new Map([[organizationId, { to: count }]]);
    await waitFor(async () => (ledger.report(expected).missing === 0 && ledger.report(expected).uncovered === 0 ? true : undefined), { what: `${count} events of ${organizationId} received and covered` });
    expect(ledger.report(expected)).toMatchObject({ unique: count, missing: 0, uncovered: 0 });
  };

  it('should send Splunk HEC event objects with the token, and wait out a busy collector (503, code 9)', async () => {
    const splunk = await new SplunkHecReceiver('11111111-2222-3333-4444-555555555555').start();
    stops.push(() => splunk.stop());
    const stream = await harness.define({ organizationId: 'org_splunk', destination: { type: 'splunk', url: splunk.baseUrl, index: 'audit' }, secret: splunk.token });
    await harness.waitForState(stream.id, 'active');
    splunk.busy(true);
    await publishStored(harness.kafka, harness.storedTopic, events('org_splunk', 300), heads);
    const failing = await harness.waitForState(stream.id, 'failing');
    expect(failing.lastError).toMatchObject({ statusCode: 503, message: 'HTTP 503: Server is busy (HEC code 9)' });
    splunk.busy(false);
    await expectAll(splunk.ledger, 'org_splunk', 300);
    const sent = JSON.parse(splunk.requests[0].body.toString().split('\n')[0]) as Record<string, unknown>;
    expect(sent).toMatchObject({ sourcetype: 'audit:event', index: 'audit', source: `audit-stream:${stream.id}`, event: { kind: 'event', organizationId: 'org_splunk', seq: 1 } });
  });

  it('should report a Splunk token the collector refuses (403, code 4) and keep its position until the token is fixed', async () => {
    const splunk = await new SplunkHecReceiver('the-right-token-000000000000').start();
    stops.push(() => splunk.stop());
    const stream = await harness.define({ organizationId: 'org_token', destination: { type: 'splunk', url: splunk.baseUrl }, secret: 'a-revoked-token-000000000000' });
    await harness.waitForState(stream.id, 'active');
    await publishStored(harness.kafka, harness.storedTopic, events('org_token', 50), heads);
    expect((await harness.waitForState(stream.id, 'failing')).lastError?.message).toBe('HTTP 403: Invalid token (HEC code 4)');
    await harness.change(stream.id, { sealedSecret: harness.cipher.seal(splunk.token, stream.id) });
    await expectAll(splunk.ledger, 'org_token', 50);
  });

  it('should send Datadog log entries in the OCSF format, honour 429 Retry-After, and halve batches on 413', async () => {
    const datadog = await new DatadogLogsReceiver('dd-api-key-0123456789abcdef').start();
    stops.push(() => datadog.stop());
    const stream = await harness.define({ organizationId: 'org_dd', format: 'ocsf', destination: { type: 'datadog', url: datadog.baseUrl, service: 'audit', tags: 'env:test' }, secret: datadog.apiKey });
    await harness.waitForState(stream.id, 'active');
    datadog.limit(true, 2);
    await publishStored(harness.kafka, harness.storedTopic, events('org_dd', 900), heads);
    const limited = await harness.waitForState(stream.id, 'failing', 60_000);
    expect(limited.lastError?.statusCode).toBe(429);
    const attemptsWhileLimited = limited.failedAttempts;
    // A receiver that refuses more than 100 entries per request as too large.
    let tooLarge = 0;
    const acceptedBefore = datadog.requests.length;
    datadog.behaviour.reply = ({ body }) => ((JSON.parse(body.toString()) as unknown[]).length > 100 ? (tooLarge++, { status: 413, body: '{"errors":["Payload too large"]}' }) : undefined);
    await expectAll(datadog.ledger, 'org_dd', 900);
    // Retry-After: 2 s, equal jitter: a handful of attempts while limited, not a hammering.
    expect(attemptsWhileLimited).toBeLessThanOrEqual(4);
    const entry = JSON.parse(datadog.requests[datadog.requests.length - 1].body.toString())[0] as Record<string, unknown>;
    expect(entry).toMatchObject({ ddsource: 'audit-pipeline', service: 'audit', class_uid: 6003, category_uid: 6, metadata: { tenant_uid: 'org_dd', version: '1.3.0' } });
    expect(String(entry.ddtags)).toContain('env:test');
    expect(tooLarge).toBeGreaterThan(0);
    expect(datadog.requests.slice(acceptedBefore).map((request) => (JSON.parse(request.body.toString()) as unknown[]).length).every((entries) => entries <= 100)).toBe(true);
  });

  it.each([false, true])('should send RFC 5424 messages over syslog with octet counting (TLS %s)', async (secure) => {
    const syslog = await new SyslogReceiver(secure ? tls : undefined).start();
    stops.push(() => syslog.stop());
    const organizationId = `org_syslog_${secure}`;
    const stream = await harness.define({ organizationId, destination: { type: 'syslog', host: '127.0.0.1', port: syslog.port, tls: secure, appName: 'audit-test' } });
    await harness.waitForState(stream.id, 'active');
    await publishStored(harness.kafka, harness.storedTopic, events(organizationId, 120, true), heads);
    await expectAll(syslog.ledger, organizationId, 120);
    expect(syslog.malformed).toBe(0);
    const eventMessages = syslog.messages.filter((message) => message.msgId === 'event');
    expect(new Set(eventMessages.map((message) => message.pri))).toEqual(new Set([13 * 8 + 6, 13 * 8 + 5]));
    expect(eventMessages[0]).toMatchObject({ version: 1, appName: 'audit-test', structuredData: expect.stringMatching(new RegExp(`^\\[audit@32473 org="${organizationId}" seq="1" id="[0-9a-f-]{36}"\\]$`)) });
    expect(syslog.messages.some((message) => message.msgId === 'coverage')).toBe(true);
  });

  it('should deliver the signed checkpoints of its organization, so the receiver can witness the chain', async () => {
    const webhook = await new WebhookReceiver('whsec-checkpoints-000000').start();
    stops.push(() => webhook.stop());
    const stream = await harness.define({ organizationId: 'org_cp', destination: { type: 'webhook', url: webhook.baseUrl }, secret: webhook.secret, filter: { actions: ['nothing.matches'] } });
    await harness.waitForState(stream.id, 'active');
    const signing = testSigningKey();
    const after = await publishStored(harness.kafka, harness.storedTopic, events('org_cp', 20), heads);
    const checkpoint = signCheckpoint(signing.key, 'org_cp', after.get('org_cp') as ChainHead);
    const other = signCheckpoint(signing.key, 'org_else', { seq: 1, hash: '0'.repeat(64) });
    const producer = harness.kafka.producer();
    await producer.connect();
    await producer.send({ topic: harness.storedTopic, messages: [checkpoint, other].map((value) => ({ key: value.organizationId, value: JSON.stringify(value), headers: { [STORED_HEADERS.kind]: 'checkpoint' } })) });
    await producer.disconnect();
    await waitFor(async () => (webhook.ledger.checkpoints.length > 0 ? true : undefined), { what: 'the checkpoint at the webhook' });
    expect(webhook.ledger.checkpoints).toEqual([{ kind: 'checkpoint', organizationId: 'org_cp', checkpoint }]);
    // The filter kept no event, yet the ranges account for all 20 links.
    await waitFor(async () => (webhook.ledger.report(new Map([['org_cp', { to: 20 }]])).uncovered === 0 ? true : undefined), { what: 'ranges covering the filtered-out links' });
  });
});
