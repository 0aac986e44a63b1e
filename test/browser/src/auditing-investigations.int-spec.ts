import { demoEvent, DEMO_PEOPLE } from '@audit/demo';
import type { AuditEvent } from '@audit/contract';
import { waitFor } from '@audit/testing';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { rows, settled } from './console-page';
import { launchChromium, SCREENSHOT_DIR, startConsoleStack, type ConsoleStack } from './console-stack';

jest.setTimeout(180_000);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('investigating on the Auditing page in Chromium: search box, histogram, top lists', () => {
  const now = Date.now();
  // A frozen window, days before the console's own audited reads.
  const windowFrom = new Date(now - 6 * DAY).toISOString();
  const windowTo = new Date(now - 2 * DAY).toISOString();
  const frozen = `from=${encodeURIComponent(windowFrom)}&to=${encodeURIComponent(windowTo)}`;
  let stack: ConsoleStack;
  let browser: Browser;
  let seeded: AuditEvent[];

  async function openConsole(query: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, locale: 'en-US', timezoneId: 'UTC' });
    const page = await context.newPage();
    await page.goto(`${stack.baseUrl}/audit${query}#token=${await stack.token()}`);
    await settled(page);
    return page;
  }

  const histogramTotal = (page: Page) => page.$$eval('.histogram__bar', (bars) => bars.reduce((sum, bar) => sum + Number(bar.getAttribute('data-count')), 0));

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startConsoleStack(), launchChromium()]);
    // 40 events, one an hour, from 3 days ago backwards: each bar of an hour holds one.
    seeded = Array.from({ length: 40 }, (_, n) => demoEvent(stack.organizationId, n, new Date(now - 3 * DAY - n * HOUR)));
    await stack.publish(seeded);
    const headers = { authorization: `Bearer ${await stack.token()}` };
    await waitFor(
      async () => {
        const page = (await (await fetch(`${stack.baseUrl}/v1/audit-logs?${frozen}&limit=100`, { headers })).json()) as { data?: unknown[] };
        return page.data?.length === seeded.length ? true : undefined;
      },
      { what: 'the seeded events to be queryable', timeoutMs: 90_000, intervalMs: 500 },
    );
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('should show exactly the events a search describes, and keep the search in the address', async () => {
    const page = await openConsole(`?${frozen}`);
    const alan = DEMO_PEOPLE[2];
    await page.getByLabel('Search').fill(`actor:${alan.email} action:view -status:failure`);
    await page.getByLabel('Search').press('Enter');
    await page.waitForURL(/q=actor/);
    await settled(page);
    const expected = seeded.filter((event) => event.actor.id === alan.id && event.action === 'view' && event.status !== 'failure');
    expect(expected.length).toBeGreaterThan(0);
    expect((await rows(page)).map((row) => row.id).sort()).toEqual(expected.map((event) => event.id).sort());
    expect(new URL(page.url()).searchParams.get('q')).toBe(`actor:${alan.email} action:view -status:failure`);
    await page.context().close();
  });

  it('should say where a search is wrong', async () => {
    const page = await openConsole(`?${frozen}&q=${encodeURIComponent('action:view colour:red')}`);
    await expect(page.getByTestId('error-message').innerText()).resolves.toMatch(/at 12, unknown key "colour"/);
    await page.context().close();
  });

  it('should draw the window as bars above the table and zoom to a bar when it is clicked', async () => {
    const page = await openConsole(`?${frozen}`);
    await page.locator('[data-testid=histogram]').waitFor();
    expect(await histogramTotal(page)).toBe(seeded.length);
    expect(await page.getAttribute('[data-testid=histogram]', 'data-interval')).toBe('1h');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'histogram-and-top-lists.png') });

    const bar = page.locator('.histogram__bar[data-count="1"]').first();
    const start = Date.parse((await bar.getAttribute('data-start'))!);
    await bar.click();
    await page.waitForURL((url) => url.searchParams.get('from') === new Date(start).toISOString());
    await settled(page);
    const inside = seeded.filter((event) => Date.parse(event.occurredAt) >= start && Date.parse(event.occurredAt) < start + HOUR);
    expect((await rows(page)).map((row) => row.id)).toEqual(inside.map((event) => event.id));
    await waitFor(async () => ((await histogramTotal(page)) === inside.length ? true : undefined), { what: 'the zoomed histogram', timeoutMs: 10_000 });
    await page.context().close();
  });

  it('should list the top actors, resources, IPs and actions of the view with their counts', async () => {
    const page = await openConsole(`?${frozen}`);
    const actors = page.locator('[data-testid=top-actor] li');
    await actors.first().waitFor();
    const shown = await actors.evaluateAll((items) => items.map((item) => [item.getAttribute('data-value'), Number(item.getAttribute('data-count'))]));
    const counts = DEMO_PEOPLE.map((person) => [person.id, seeded.filter((event) => event.actor.id === person.id).length] as const);
    expect(shown).toEqual([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
    await page.locator('[data-testid=top-resource] li').first().waitFor();
    await expect(page.locator('[data-testid=top-action] li').first().getAttribute('data-value')).resolves.toBe('view');
    await page.context().close();
  });
});
