import { waitFor } from '@audit/testing';
import type { Page } from 'playwright-core';

/** One row of the events table as a reader sees it. */
export interface Row {
  id: string;
  time: string;
  type: string;
  action: string;
  user: string;
  status: string;
}

/** The view has loaded what the address bar says; the page marks an older answer still on screen as loading. */
export async function settled(page: Page): Promise<void> {
  await page.locator('[data-testid=results]:not([data-state=loading])').waitFor();
}

export function rows(page: Page): Promise<Row[]> {
  return page.$$eval('tr.events__row', (trs) =>
    trs.map((tr) => ({
      id: tr.getAttribute('data-event-id') ?? '',
      time: tr.querySelector('time')?.getAttribute('datetime') ?? '',
      type: tr.querySelector('[data-column=resourceType]')?.textContent ?? '',
      action: tr.querySelector('[data-column=action]')?.textContent ?? '',
      user: tr.querySelector('.events__user')?.textContent ?? '',
      status: tr.querySelector('[data-column=status]')?.textContent ?? '',
    })),
  );
}

export const rangeText = (page: Page) => page.locator('.results__range').innerText();

/** The total comes from the facets, which may answer after the page of events. */
export async function rangeShows(page: Page, pattern: RegExp): Promise<void> {
  await waitFor(async () => (pattern.test(await rangeText(page)) ? true : undefined), { what: `the range indicator to match ${pattern}`, timeoutMs: 10_000 });
}

/** One CSV line into fields (quoted fields may hold commas; the contract forbids line breaks in values). */
export function csvFields(line: string): string[] {
  return [...line.matchAll(/(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))/g)].map((match) => (match[1] !== undefined ? match[1].replace(/""/g, '"') : match[2]));
}
