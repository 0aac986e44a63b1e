import type { Browser, Page } from 'playwright-core';
import { launchChromium, startConsoleStack, type ConsoleStack } from './console-stack';

// testTimeout in a project's jest config is ignored under the root config's `projects`: set it here.
jest.setTimeout(180_000);

describe('the Auditing page’s retention and legal holds', () => {
  let stack: ConsoleStack;
  let browser: Browser;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startConsoleStack(), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function openConsole(role: string): Promise<Page> {
    const page = await (await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' })).newPage();
    await page.goto(`${stack.baseUrl}/audit#token=${await stack.token(role)}`);
    return page;
  }

  async function holds(path: string, body: unknown): Promise<{ holdId: string }> {
    const response = await fetch(`${stack.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await stack.token('owner')}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBeLessThan(300);
    return (await response.json()) as { holdId: string };
  }

  it('shows the retention, and an active hold with its reason, scope and who placed it until it is released', async () => {
    const { holdId } = await holds('/v1/legal-holds', { reason: 'Litigation hold, matter 2026-117', from: '2026-01-01T00:00:00Z', to: '2026-07-01T00:00:00Z' });

    const page = await openConsole('admin');
    const panel = page.locator('[data-testid=retention]');
    await panel.waitFor();
    expect(await panel.innerText()).toContain('Events are kept 2,192 days from when they were recorded');
    const hold = panel.locator(`[data-hold-id="${holdId}"]`);
    expect(await hold.innerText()).toMatch(/^Litigation hold, matter 2026-117 — events from Jan 1, 2026 to Jul 1, 2026; placed \w{3} \d{1,2}, \d{4} by owner@demo\.test$/);

    await holds(`/v1/legal-holds/${holdId}/release`, { reason: 'Case closed' });
    await page.reload();
    await panel.waitFor();
    expect(await panel.locator('.retention__holds li').count()).toBe(0);
    expect(await panel.innerText()).not.toContain('Legal hold');
  });
});
