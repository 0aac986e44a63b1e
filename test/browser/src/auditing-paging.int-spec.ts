import { demoEvent } from '@audit/demo';
import type { AuditEvent } from '@audit/contract';
import { uniqueName, waitFor } from '@audit/testing';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { csvFields, rangeShows, rows, settled } from './console-page';
import { launchChromium, startConsoleStack, type ConsoleStack } from './console-stack';

jest.setTimeout(300_000);

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

interface ViewWindow {
  from: string;
  to: string;
}

/**
 * How a reader pauses: a real few seconds, or a while on Playwright's clock (the page's timers and
 * Date jump ahead, as when a laptop lid was closed), between opening the page and paging.
 */
type Pause = { kind: 'real'; ms: number } | { kind: 'clock'; ticks: string };

const pauseFor = async (page: Page, pause: Pause) =>
  pause.kind === 'real' ? new Promise((resolve) => setTimeout(resolve, pause.ms)) : page.clock.fastForward(pause.ticks);

const QUICK_RANGES: Array<{ id: string; label: string; first: Pause; between: Pause }> = [
  { id: '30d', label: 'Last 30 d', first: { kind: 'real', ms: 4000 }, between: { kind: 'real', ms: 1500 } },
  { id: '24h', label: 'Last 24 h', first: { kind: 'clock', ticks: '07:00' }, between: { kind: 'clock', ticks: '02:30' } },
  { id: '7d', label: 'Last 7 d', first: { kind: 'clock', ticks: '03:00:00' }, between: { kind: 'clock', ticks: '20:00' } },
  { id: '90d', label: 'Last 90 d', first: { kind: 'clock', ticks: '26:00:00' }, between: { kind: 'clock', ticks: '01:00:00' } },
];

// Paging as readers do it: open the page with its default range, pick a quick range, read a while,
// then page with Next and back with Previous. The window read stays the one the view opened with,
// while the clock moves on and the reader's own reads add events; Export and the facets describe
// that same window.
describe('paging the Auditing page from every quick range at a reader’s pace', () => {
  const organizationId = uniqueName('org_paging');
  let stack: ConsoleStack;
  let browser: Browser;
  let bearer: string;

  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${stack.baseUrl}${path}`, { headers: { authorization: `Bearer ${bearer}` } });
    expect(response.status).toBe(200);
    return (await response.json()) as T;
  };

  /** Every event of a window, newest first, read as one page without a cursor (the reference the pages are checked against). */
  async function eventsIn(window: ViewWindow): Promise<AuditEvent[]> {
    const page = await api<{ data: AuditEvent[]; nextCursor: string | null }>(`/v1/audit-logs?limit=1000&from=${encodeURIComponent(window.from)}&to=${encodeURIComponent(window.to)}`);
    expect(page.nextCursor).toBeNull();
    return page.data;
  }

  /**
   * Waits until every event that occurred before `until` is stored: the reads of earlier tests are
   * themselves audited, and one still on its way would join a window after the view opened.
   */
  async function storedBefore(until: number): Promise<void> {
    const window = { from: new Date(until - 91 * DAY).toISOString(), to: new Date(until).toISOString() };
    let previous = -1;
    await waitFor(
      async () => {
        const count = (await eventsIn(window)).length;
        const stable = count === previous;
        previous = count;
        return stable || undefined;
      },
      { what: 'the events before the view opens to be stored', timeoutMs: 60_000, intervalMs: 2000 },
    );
  }

  /** The window the view reads, as the page states it. */
  async function viewWindow(page: Page): Promise<ViewWindow> {
    const results = page.getByTestId('results');
    return { from: (await results.getAttribute('data-window-from')) ?? '', to: (await results.getAttribute('data-window-to')) ?? '' };
  }

  async function expectNoError(page: Page, where: string): Promise<void> {
    const state = await page.getByTestId('results').getAttribute('data-state');
    const message = state === 'error' ? await page.getByTestId('error-message').innerText() : '';
    expect({ where, state, message }).toEqual({ where, state: 'ready', message: '' });
  }

  const shownIds = async (page: Page) => (await rows(page)).map((row) => row.id);

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startConsoleStack(), launchChromium()]);
    bearer = await stack.token('owner', '30m', organizationId);
    const now = Date.now();
    // 70 events in the last day, then 60 more in each of 1–7, 7–30 and 30–90 days ago.
    const times = [
      ...Array.from({ length: 70 }, (_, n) => now - 10 * MINUTE - n * 19 * MINUTE),
      ...Array.from({ length: 60 }, (_, n) => now - DAY - 2 * HOUR - n * 2.3 * HOUR),
      ...Array.from({ length: 60 }, (_, n) => now - 8 * DAY - n * 8.8 * HOUR),
      ...Array.from({ length: 60 }, (_, n) => now - 31 * DAY - n * 23 * HOUR),
    ];
    await stack.publish(times.map((time, n) => demoEvent(organizationId, n, new Date(time))));
    await waitFor(async () => ((await eventsIn({ from: new Date(now - 91 * DAY).toISOString(), to: new Date(now).toISOString() })).length >= times.length) || undefined, {
      what: 'the seeded events to be queryable',
      timeoutMs: 90_000,
      intervalMs: 1000,
    });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  /** The page as a reader opens it: no range in the address, the clock a minute behind the last stored event. */
  async function openPage(): Promise<Page> {
    const opened = Date.now();
    await storedBefore(opened);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Europe/Berlin', acceptDownloads: true });
    const page = await context.newPage();
    await page.clock.install({ time: opened - MINUTE });
    await page.goto(`${stack.baseUrl}/audit#token=${bearer}`);
    await settled(page);
    return page;
  }

  it.each(QUICK_RANGES)('should page forward and back from $label after pauses, with Export and the facets matching the view', async (range) => {
    const page = await openPage();
    if (range.id !== '30d') {
      await page.getByRole('button', { name: range.label }).click();
      await settled(page);
    }
    expect(await page.getByRole('button', { name: range.label }).getAttribute('aria-pressed')).toBe('true');
    await expectNoError(page, 'page 1');
    const forward = [await shownIds(page)];
    await pauseFor(page, range.first);

    const next = page.getByRole('button', { name: 'Next' });
    const previous = page.getByRole('button', { name: 'Previous' });
    while (!(await next.isDisabled())) {
      await next.click();
      await settled(page);
      await expectNoError(page, `page ${forward.length + 1}`);
      forward.push(await shownIds(page));
      await pauseFor(page, range.between);
    }
    const window = await viewWindow(page);
    const expected = (await eventsIn(window)).map((event) => event.id);
    expect(forward.length).toBeGreaterThanOrEqual(2);
    // No gap, no repeat, newest first: exactly the events of the window the view opened with.
    expect(forward.flat()).toEqual(expected);

    // Export and facets of the view: the same window, however long the reader took.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const lines = readFileSync(await download.path(), 'utf8').trim().split(/\r?\n/);
    const idColumn = csvFields(lines[0]).indexOf('id');
    expect(lines.slice(1).map((line) => csvFields(line)[idColumn]).sort()).toEqual([...expected].sort());
    await rangeShows(page, new RegExp(` of ${expected.length.toLocaleString('en-US')} events$`));
    const byType = new Map<string, number>();
    for (const event of await eventsIn(window)) byType.set(event.resource.type, (byType.get(event.resource.type) ?? 0) + 1);
    await page.getByTestId('resource-type-toggle').click();
    const options = await page.$$eval('.multiselect__option', (labels) =>
      labels.map((label) => [label.querySelector('input')?.getAttribute('value') ?? '', label.querySelector('.multiselect__count')?.getAttribute('aria-label') ?? '']),
    );
    expect(Object.fromEntries(options)).toEqual(Object.fromEntries([...byType].map(([type, count]) => [type, `${count} events`])));
    await page.keyboard.press('Escape');

    // Back through the same pages, pausing again; page 1 is a fresh window, opened now.
    for (let index = forward.length - 2; index >= 1; index--) {
      await pauseFor(page, range.between);
      await previous.click();
      await settled(page);
      await expectNoError(page, `page ${index + 1}, going back`);
      expect(await shownIds(page)).toEqual(forward[index]);
    }
    await previous.click();
    await settled(page);
    await expectNoError(page, 'page 1, going back');
    const fresh = await viewWindow(page);
    expect(Date.parse(fresh.to)).toBeGreaterThan(Date.parse(window.to));
    expect(await previous.isDisabled()).toBe(true);
    await page.context().close();
  });

  it('should show both events under a reused id, each marked, and an identical re-send once', async () => {
    const reused = uniqueName('org_reused');
    const original = demoEvent(reused, 1, new Date(Date.now() - HOUR));
    const other = { ...demoEvent(reused, 5, new Date(original.occurredAt)), id: original.id };
    await stack.publish([original, original, other]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${stack.baseUrl}/audit?resourceType=Session#token=${await stack.token('owner', '30m', reused)}`);
    await waitFor(
      async () => {
        await page.reload();
        await settled(page);
        return (await rows(page)).length === 2 || undefined;
      },
      { what: 'both events under the reused id', timeoutMs: 60_000, intervalMs: 1000 },
    );
    const shown = await rows(page);
    expect(shown.map((row) => row.id)).toEqual([original.id, original.id]);
    expect(shown.map((row) => row.action).sort()).toEqual([original.action, other.action].sort());
    expect(await page.getByTestId('id-conflict').count()).toBe(2);
    await context.close();
  });

  it('should open a paged quick-range view that was reloaded or shared at page 1 of a fresh window', async () => {
    const page = await openPage();
    await page.getByRole('button', { name: 'Last 7 d' }).click();
    await settled(page);
    await page.getByRole('button', { name: 'Next' }).click();
    await settled(page);
    await page.getByRole('button', { name: 'Next' }).click();
    await settled(page);
    expect(new URL(page.url()).searchParams.get('page')).toBe('3');
    const before = await viewWindow(page);
    await page.clock.fastForward('01:00:00');
    await page.reload();
    await settled(page);
    await expectNoError(page, 'reloaded');
    const url = new URL(page.url());
    expect([url.searchParams.get('range'), url.searchParams.get('cursor'), url.searchParams.get('page')]).toEqual(['7d', null, null]);
    expect(Date.parse((await viewWindow(page)).to)).toBeGreaterThan(Date.parse(before.to));
    expect(await page.getByRole('button', { name: 'Previous' }).isDisabled()).toBe(true);
    await page.context().close();
  });
});
