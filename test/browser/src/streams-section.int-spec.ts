import { demoEvent } from '@audit/demo';
import { waitFor, WebhookReceiver } from '@audit/testing';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, SCREENSHOT_DIR, startConsoleStack, type ConsoleStack } from './console-stack';

// testTimeout in a project's jest config is ignored under the root config's `projects`: set it here.
jest.setTimeout(180_000);

const streamsState = (page: Page) => page.getByTestId('streams').getAttribute('data-state');

describe('the Streams section of the Auditing console in Chromium against the real stack', () => {
  let stack: ConsoleStack;
  let browser: Browser;
  let receiver: WebhookReceiver;

  async function openConsole(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${stack.baseUrl}/audit#token=${await stack.token('owner')}`);
    return page;
  }

  async function createStream(body: Record<string, unknown>): Promise<{ id: string }> {
    const response = await fetch(`${stack.baseUrl}/v1/streams`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await stack.token('admin')}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 201) throw new Error(`stream not created: ${response.status} ${await response.text()}`);
    return (await response.json()) as { id: string };
  }

  beforeAll(async () => {
    [stack, browser, receiver] = await Promise.all([startConsoleStack(), launchChromium(), new WebhookReceiver('whsec-browser-0123456789').start()]);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await receiver?.stop();
  });

  it('should say there are no streams yet, and how to create one', async () => {
    const page = await openConsole();
    await waitFor(async () => ((await streamsState(page)) === 'empty' ? true : undefined), { what: 'the empty state' });
    await expectText(page, 'No streams yet');
    await page.context().close();
  });

  it('should show loading while the API answers, then its error with the server\'s words and a retry that works', async () => {
    const page = await openConsole();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/v1/streams', async (route) => {
      await held;
      await route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ statusCode: 503, code: 'streams_unavailable', message: 'the streams store is restarting' }) });
    });
    await page.reload();
    await waitFor(async () => ((await streamsState(page)) === 'loading' ? true : undefined), { what: 'the loading state' });
    await expectText(page, 'Loading streams…');
    release();
    await waitFor(async () => ((await streamsState(page)) === 'error' ? true : undefined), { what: 'the error state' });
    await expectText(page, 'The streams could not be loaded');
    await expectText(page, 'the streams store is restarting');
    await page.unroute('**/v1/streams');
    await page.getByTestId('streams').getByRole('button', { name: 'Try again' }).click();
    await waitFor(async () => (['empty', 'ready'].includes(String(await streamsState(page))) ? true : undefined), { what: 'the section after the retry' });
    await page.context().close();
  });

  it('should list the streams with their state, delivered count and last error, pause one and send a test', async () => {
    const live = await createStream({ name: 'Security webhook', destination: { type: 'webhook', url: `${receiver.baseUrl}/audit`, secret: receiver.secret } });
    await createStream({ name: 'Old SIEM', destination: { type: 'webhook', url: `${receiver.baseUrl.replace(/:\d+$/, ':9')}/gone`, secret: 'whsec-nobody-listens-0000' } });
    await waitFor(async () => (receiver.ledger.delivered === 0 ? true : undefined), { what: 'nothing delivered yet' });
    await stack.publish(Array.from({ length: 12 }, (_, n) => demoEvent(stack.organizationId, 300 + n, new Date())));
    await waitFor(async () => (receiver.ledger.delivered >= 12 ? true : undefined), { what: '12 events at the webhook', timeoutMs: 60_000 });

    const page = await openConsole();
    const row = (name: string) => page.locator('tr.streams__row', { hasText: name });
    await waitFor(
      async () => {
        await page.reload();
        await page.locator('tr.streams__row').nth(1).waitFor();
        const failing = (await row('Old SIEM').locator('[data-column=state]').innerText()).includes('Failing');
        const delivered = Number((await row('Security webhook').locator('[data-column=delivered]').innerText()).replace(/\D/g, ''));
        return failing && delivered >= 12 ? true : undefined;
      },
      { what: 'the live stream to show its deliveries and the other to show it is failing', timeoutMs: 60_000, intervalMs: 1000 },
    );
    expect(await row('Security webhook').locator('[data-column=state]').innerText()).toContain('Active');
    expect(await row('Old SIEM').locator('[data-column=state]').innerText()).toMatch(/Failing[\s\S]*(ECONNREFUSED|connect)/);
    await page.getByTestId('streams').screenshot({ path: join(SCREENSHOT_DIR, 'streams-section.png') });

    await row('Security webhook').getByRole('button', { name: 'Send test' }).click();
    await waitFor(async () => ((await page.getByTestId('streams-notice').innerText()).includes('Test event delivered to Security webhook') ? true : undefined), { what: 'the test result' });

    await row('Security webhook').getByRole('button', { name: 'Pause' }).click();
    await waitFor(async () => ((await row('Security webhook').locator('[data-column=state]').innerText()).includes('Paused') ? true : undefined), { what: 'the stream to show paused' });
    await row('Security webhook').getByRole('button', { name: 'Resume' }).waitFor();
    expect(live.id).toBeTruthy();
    await page.context().close();
  });
});

async function expectText(page: Page, text: string): Promise<void> {
  await page.getByTestId('streams').getByText(text, { exact: false }).first().waitFor({ timeout: 10_000 });
}
