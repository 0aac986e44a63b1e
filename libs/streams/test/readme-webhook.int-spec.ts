import { makeAuditEvent } from '@audit/contract';
import { freePort, publishStored, repoRoot, testKafka, waitFor, WebhookReceiver } from '@audit/testing';
import { spawn } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { webhookSignature } from '../src';
import { startStreamsApiApp, tokenFor, type StreamsApiApp } from './streams-api.app';

jest.setTimeout(120_000);

type Verify = (secret: string, headers: Record<string, unknown>, body: Buffer) => boolean;

const readme = readFileSync(join(repoRoot(), 'README.md'), 'utf8');

/** The README's signature snippet, run as a receiver would paste it. */
function readmeVerify(): Verify {
  const block = /<!-- webhook-signature-snippet -->\s*```js\n([\s\S]*?)```\s*<!-- \/webhook-signature-snippet -->/.exec(readme);
  if (!block) throw new Error('README.md has no webhook signature snippet between its markers');
  const require = (name: string) => (name === 'node:crypto' ? { createHmac, timingSafeEqual } : undefined);
  return new Function('require', `${block[1]}\nreturn verifyAuditWebhook;`)(require) as Verify;
}

/** The README's one-command stream creation: its JSON body and the receiver's secret. */
function readmeCommand(): { body: { destination: { url: string; secret: string } }; secret: string } {
  const body = /-d '(\{"name":"my webhook".*?\})'/.exec(readme)?.[1];
  const secret = /WEBHOOK_SECRET=(\S+) node scripts\/webhook-receiver\.mjs/.exec(readme)?.[1];
  if (!body || !secret) throw new Error('README.md has no stream-creating command or receiver line');
  return { body: JSON.parse(body) as { destination: { url: string; secret: string } }, secret };
}

describe('the README\'s streams section, against real deliveries', () => {
  let api: StreamsApiApp;

  beforeAll(async () => {
    api = await startStreamsApiApp();
  });

  afterAll(async () => {
    await api?.close();
  });

  it('should verify the signature of a real delivery with the README snippet, and refuse altered, foreign and stale ones', async () => {
    const verify = readmeVerify();
    const secret = 'whsec-readme-snippet-000000';
    const receiver = await new WebhookReceiver(secret).start();
    try {
      const owner = await tokenFor('org_readme', 'owner');
      await api.request('POST', '/v1/streams', owner, { name: 'snippet', destination: { type: 'webhook', url: receiver.baseUrl, secret } });
      await waitFor(async () => ((await api.request<{ data: Array<{ status: { state: string } }> }>('GET', '/v1/streams', owner)).body.data[0]?.status.state === 'active' ? true : undefined), { what: 'the stream to be active' });
      await publishStored(testKafka('readme-snippet'), api.storedTopic, Array.from({ length: 5 }, () => makeAuditEvent({ organizationId: 'org_readme' })));
      await waitFor(async () => (receiver.requests.length > 0 ? true : undefined), { what: 'a delivery' });
      const [{ headers, body }] = receiver.requests;
      expect(verify(secret, headers, body)).toBe(true);
      expect(verify(secret, headers, Buffer.concat([body, Buffer.from(' ')]))).toBe(false);
      expect(verify('another-secret-0000000000', headers, body)).toBe(false);
      const old = String(Math.floor(Date.now() / 1000) - 600);
      expect(verify(secret, { ...headers, 'x-audit-timestamp': old, 'x-audit-signature': webhookSignature(secret, old, body) }, body)).toBe(false);
    } finally {
      await receiver.stop();
    }
  });

  it('should create the README\'s webhook stream in one command, and its receiver script should show the events arrive, signed and without a gap', async () => {
    const { body, secret } = readmeCommand();
    const port = await freePort();
    const script = spawn(process.execPath, [join(repoRoot(), 'scripts', 'webhook-receiver.mjs'), String(port)], { env: { ...process.env, WEBHOOK_SECRET: secret }, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    script.stdout.on('data', (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean)));
    try {
      await waitFor(async () => (output.some((line) => line.startsWith('webhook receiver on')) ? true : undefined), { what: 'the receiver script to listen' });
      const url = new URL(body.destination.url);
      url.port = String(port);
      const created = await api.request<{ id: string }>('POST', '/v1/streams', await tokenFor('org_demo', 'owner'), { ...body, destination: { ...body.destination, url: url.toString() } });
      expect(created.status).toBe(201);
      const owner = await tokenFor('org_demo', 'owner');
      await waitFor(async () => ((await api.request<{ state: string }>('GET', `/v1/streams/${created.body.id}/status`, owner)).body.state === 'active' ? true : undefined), { what: 'the stream to be active' });
      await publishStored(testKafka('readme-command'), api.storedTopic, Array.from({ length: 30 }, () => makeAuditEvent({ organizationId: 'org_demo' })));
      await waitFor(async () => (output.some((line) => line.includes(`of stream ${created.body.id}: `) && line.includes('org_demo')) ? true : undefined), { what: 'the receiver script to print a batch', timeoutMs: 60_000 });
      expect(output.join('\n')).not.toMatch(/GAP|bad signature/);
    } finally {
      script.kill('SIGTERM');
    }
  });
});
