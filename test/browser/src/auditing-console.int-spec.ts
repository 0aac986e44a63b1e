import { demoEvent } from '@audit/demo';
import type { AuditEvent } from '@audit/contract';
import { waitFor } from '@audit/testing';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { csvFields, rangeShows, rangeText, rows, settled } from './console-page';
import { launchChromium, SCREENSHOT_DIR, startConsoleStack, type ConsoleStack } from './console-stack';

// testTimeout in a project's jest config is ignored under the root config's `projects`: set it here.
jest.setTimeout(180_000);

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const LAPTOP = { width: 1280, height: 900 };
const TABLET = { width: 820, height: 1180 };

const ids = (events: AuditEvent[]) => events.map((event) => event.id);
const newestFirst = (events: AuditEvent[]) => [...events].sort((a, b) => b.occurredAt.localeCompare(a.occurredAt));

describe('the Auditing console in Chromium against the real stack', () => {
  const now = Date.now();
  // A frozen window (2 to about 6 days ago) that the console's own audited reads never enter.
  const windowFrom = new Date(now - 10 * DAY).toISOString();
  const windowTo = new Date(now - DAY).toISOString();
  const frozen = `from=${encodeURIComponent(windowFrom)}&to=${encodeURIComponent(windowTo)}`;
  const seededTypes = ['Member', 'Session', 'Patient', 'Organization'].map((type) => `resourceType=${type}`).join('&');
  let stack: ConsoleStack;
  let browser: Browser;
  let history: AuditEvent[];
  let recent: AuditEvent[];

  async function openConsole(query = '', { role = 'owner', viewport = LAPTOP, token }: { role?: string; viewport?: typeof LAPTOP; token?: string } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport, locale: 'en-US', timezoneId: 'Europe/Berlin', acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${stack.baseUrl}/audit${query}#token=${token ?? (await stack.token(role))}`);
    return page;
  }

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startConsoleStack(), launchChromium()]);
    history = Array.from({ length: 117 }, (_, n) => demoEvent(stack.organizationId, n, new Date(now - 2 * DAY - n * 50 * MINUTE)));
    recent = Array.from({ length: 3 }, (_, k) => demoEvent(stack.organizationId, 200 + k, new Date(now - (10 + 20 * k) * MINUTE)));
    await stack.publish([...history, ...recent]);
    const headers = { authorization: `Bearer ${await stack.token()}` };
    await waitFor(
      async () => {
        const response = await fetch(`${stack.baseUrl}/v1/audit-logs?${seededTypes}&from=${encodeURIComponent(windowFrom)}&limit=1000`, { headers });
        const page = (await response.json()) as { data?: unknown[] };
        return page.data?.length === history.length + recent.length ? true : undefined;
      },
      { what: 'the seeded events to be queryable', timeoutMs: 90_000, intervalMs: 500 },
    );
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('should show the newest 50 events of the last 30 days with a range indicator', async () => {
    const page = await openConsole();
    await settled(page);
    const shown = await rows(page);
    expect(shown).toHaveLength(50);
    expect(shown.map((row) => row.time)).toEqual([...shown.map((row) => row.time)].sort().reverse());
    await rangeShows(page, /of [\d,]+ events/);
    expect(await rangeText(page)).toMatch(/^Showing 1–50 of [\d,]+ events$/);
    expect(await page.getByRole('button', { name: 'Last 30 d' }).getAttribute('aria-pressed')).toBe('true');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'default-view.png') });
    await page.setViewportSize(TABLET);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'default-view-tablet.png') });
    await page.context().close();
  });

  it('should filter by resource types chosen from the facets, each with its count', async () => {
    const page = await openConsole(`?${frozen}`);
    await settled(page);
    await page.getByTestId('resource-type-toggle').click();
    const patients = history.filter((event) => event.resource.type === 'Patient');
    const patientOption = page.locator('.multiselect__option', { has: page.locator('input[value=Patient]') });
    await page.locator('.multiselect__option').nth(3).waitFor();
    expect(await patientOption.locator('.multiselect__count').innerText()).toBe(String(patients.length));

    await patientOption.locator('input').check();
    await settled(page);
    expect((await rows(page)).map((row) => row.id)).toEqual(ids(newestFirst(patients)));
    expect(page.url()).toContain('resourceType=Patient');

    await page.locator('.multiselect__option input[value=Organization]').check();
    await settled(page);
    const shown = await rows(page);
    expect(shown.map((row) => row.id)).toEqual(ids(newestFirst(history.filter((event) => ['Patient', 'Organization'].includes(event.resource.type)))));
    expect(new Set(shown.map((row) => row.type))).toEqual(new Set(['Patient', 'Organization']));
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'resource-type-facets.png') });
    await page.keyboard.press('Escape');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'filtered-view.png') });
    await page.context().close();
  });

  it('should filter by action, user email and status, each narrowing the table', async () => {
    const page = await openConsole(`?${frozen}`);
    await settled(page);

    await page.getByLabel('Action', { exact: true }).fill('role.change');
    await page.keyboard.press('Enter');
    await settled(page);
    expect((await rows(page)).map((row) => row.id)).toEqual(ids(newestFirst(history.filter((event) => event.action === 'role.change'))));

    await page.getByLabel('Action', { exact: true }).fill('');
    await settled(page);
    await page.getByLabel('User email').fill('grace@demo.test');
    await page.keyboard.press('Enter');
    await settled(page);
    const grace = newestFirst(history.filter((event) => event.actor.email === 'grace@demo.test'));
    const shownByGrace = await rows(page);
    expect(shownByGrace.map((row) => row.id)).toEqual(ids(grace).slice(0, 50));
    expect(shownByGrace.every((row) => row.user.includes('grace@demo.test'))).toBe(true);

    await page.getByLabel('Status', { exact: true }).selectOption('failure');
    await settled(page);
    const shown = await rows(page);
    expect(shown.map((row) => row.id)).toEqual(ids(grace.filter((event) => event.status === 'failure')));
    expect(shown.every((row) => row.status.includes('Failure'))).toBe(true);
    expect(new URL(page.url()).searchParams.get('status')).toBe('failure');
    await page.context().close();
  });

  it('should filter by quick range and by explicit from and to', async () => {
    // Only the seeded types: the test's own reads are audited too (AuditLog events of the last minutes).
    const page = await openConsole(`?${seededTypes}&range=90d`);
    await settled(page);
    expect(await rows(page)).toHaveLength(50);
    await page.getByRole('button', { name: 'Last 24 h' }).click();
    await settled(page);
    expect((await rows(page)).map((row) => row.id)).toEqual(ids(newestFirst(recent)));

    // datetime-local inputs take the page's local time (Europe/Berlin here).
    const from = new Date(now - 3 * DAY);
    const to = new Date(now - 2 * DAY - 12 * 60 * MINUTE);
    const local = (date: Date) => page.evaluate((ms) => {
      const d = new Date(ms);
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    }, date.getTime());
    await page.getByLabel('From').fill(await local(from));
    await settled(page);
    await page.getByLabel('To').fill(await local(to));
    await settled(page);
    const fromMinute = Math.floor(from.getTime() / MINUTE) * MINUTE;
    const toMinute = Math.floor(to.getTime() / MINUTE) * MINUTE;
    const expected = history.filter((event) => Date.parse(event.occurredAt) >= fromMinute && Date.parse(event.occurredAt) < toMinute);
    expect(expected.length).toBeGreaterThan(5);
    expect((await rows(page)).map((row) => row.id)).toEqual(ids(newestFirst(expected)));
    expect(await page.getByRole('button', { name: 'Last 24 h' }).getAttribute('aria-pressed')).toBe('false');
    await page.context().close();
  });

  it('should page forward and back through cursors, from the keyboard too', async () => {
    const page = await openConsole(`?${frozen}`);
    await settled(page);
    const ordered = ids(newestFirst(history));
    expect((await rows(page)).map((row) => row.id)).toEqual(ordered.slice(0, 50));
    const previous = page.getByRole('button', { name: 'Previous' });
    const next = page.getByRole('button', { name: 'Next' });
    expect(await previous.isDisabled()).toBe(true);

    await next.click();
    await settled(page);
    expect((await rows(page)).map((row) => row.id)).toEqual(ordered.slice(50, 100));
    await rangeShows(page, /^Showing 51–100 of 117 events$/);

    await next.focus();
    await page.keyboard.press('Enter');
    await settled(page);
    expect((await rows(page)).map((row) => row.id)).toEqual(ordered.slice(100));
    expect(await rangeText(page)).toMatch(/^Showing 101–117/);
    expect(await next.isDisabled()).toBe(true);
    expect(await page.locator('#results-heading').evaluate((heading) => heading === heading.ownerDocument.activeElement)).toBe(true);

    await previous.click();
    await settled(page);
    expect((await rows(page)).map((row) => row.id)).toEqual(ordered.slice(50, 100));
    await previous.click();
    await settled(page);
    expect((await rows(page)).map((row) => row.id)).toEqual(ordered.slice(0, 50));
    expect(await previous.isDisabled()).toBe(true);
    await page.context().close();
  });

  it('should expand a row to show IP, user agent, request id, changes and metadata', async () => {
    const page = await openConsole(`?${frozen}&action=role.change`);
    await settled(page);
    const event = newestFirst(history.filter((candidate) => candidate.action === 'role.change'))[0];
    const row = page.locator(`tr[data-event-id="${event.id}"]`);
    const expander = row.getByRole('button', { name: /Show details/ });
    await expander.click();
    expect(await row.getByRole('button', { name: /Hide details/ }).getAttribute('aria-expanded')).toBe('true');
    const details = page.getByTestId('event-details');
    const text = await details.innerText();
    expect(text).toContain(event.actor.ip);
    expect(text).toContain(event.actor.userAgent);
    expect(text).toContain(event.requestId);
    const change = event.changes?.[0];
    expect(await details.locator('.changes tbody tr').first().innerText()).toMatch(new RegExp(`${change?.field}\\s+${change?.before}\\s+→?\\s*${change?.after}`));
    for (const [key, value] of Object.entries(event.metadata ?? {})) expect(text).toContain(`${key}\n${value}`);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'expanded-row.png') });
    await page.context().close();
  });

  it('should export the filtered events as CSV and NDJSON files with exactly those rows', async () => {
    const page = await openConsole(`?${frozen}&resourceType=Patient`);
    await settled(page);
    const expected = new Set(ids(history.filter((event) => event.resource.type === 'Patient')));

    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const lines = readFileSync(await csv.path(), 'utf8').trim().split(/\r?\n/);
    const idColumn = csvFields(lines[0]).indexOf('id');
    expect(idColumn).toBeGreaterThanOrEqual(0);
    expect(new Set(lines.slice(1).map((line) => csvFields(line)[idColumn]))).toEqual(expected);
    expect(lines).toHaveLength(expected.size + 1);

    const [ndjson] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export NDJSON' }).click()]);
    const file = readFileSync(await ndjson.path());
    const records = file.toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as { id: string });
    expect(records).toHaveLength(expected.size);
    expect(new Set(records.map((record) => record.id))).toEqual(expected);
    // The page states the row count and the file's SHA-256 for the auditor.
    const status = page.locator('.export__status');
    await status.locator('[data-sha256]').waitFor();
    expect(await status.innerText()).toContain(`· ${expected.size} rows ·`);
    expect(await status.locator('[data-sha256]').getAttribute('data-sha256')).toBe(createHash('sha256').update(file).digest('hex'));
    await page.context().close();
  });

  it('should restore the filtered view from the URL after a reload', async () => {
    const page = await openConsole(`?${frozen}`);
    await settled(page);
    await page.getByTestId('resource-type-toggle').click();
    await page.locator('.multiselect__option input[value=Member]').check();
    await settled(page);
    await page.keyboard.press('Escape');
    await page.getByLabel('Status', { exact: true }).selectOption('success');
    await settled(page);
    const before = await rows(page);
    const url = page.url();

    await page.reload();
    await settled(page);
    expect(page.url()).toBe(url);
    expect(await rows(page)).toEqual(before);
    expect(await page.getByLabel('Status', { exact: true }).inputValue()).toBe('success');
    expect(await page.locator('#resource-type-summary').innerText()).toBe('Member');
    expect(before.every((row) => row.type === 'Member' && row.status.includes('Success'))).toBe(true);
    await page.context().close();
  });

  it('should show the server’s message when it refuses a filter', async () => {
    const page = await openConsole('?from=yesterday');
    await settled(page);
    expect(await page.getByTestId('results').getAttribute('data-state')).toBe('error');
    expect(await page.getByTestId('error-message').innerText()).toMatch(/from/);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'server-error.png') });
    await page.context().close();
  });

  it('should show the empty state with a hint when nothing matches', async () => {
    const page = await openConsole(`?${frozen}&actor=nobody%40demo.test`);
    await settled(page);
    expect(await page.getByTestId('results').getAttribute('data-state')).toBe('empty');
    expect(await page.getByRole('button', { name: 'Clear all filters' }).isVisible()).toBe(true);
    await page.context().close();
  });

  it('should tell a Member that the audit log is not theirs to read', async () => {
    const page = await openConsole('', { role: 'member' });
    const notice = page.getByTestId('session-notice');
    await notice.waitFor();
    expect(await notice.getAttribute('data-reason')).toBe('forbidden');
    expect(await notice.innerText()).toContain('You do not have access to the audit log');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'forbidden-member.png') });
    await page.context().close();
  });

  it('should tell a user whose token expired to sign in again', async () => {
    const page = await openConsole('', { token: await stack.token('owner', Math.floor(Date.now() / 1000) - 60) });
    const notice = page.getByTestId('session-notice');
    await notice.waitFor();
    expect(await notice.getAttribute('data-reason')).toBe('expired');
    expect(page.url()).not.toContain('token=');
    await page.context().close();
  });
});
