import { EMPTY_FILTERS, type AuditView } from './audit-filters';
import { ViewWindows } from './view-windows';

describe('the windows of a page’s views', () => {
  const opened = Date.parse('2026-11-25T12:00:00.000Z');
  const later = opened + 3 * 3_600_000;
  const firstPage: AuditView = { filters: { ...EMPTY_FILTERS, range: '7d' }, cursor: '', page: 1 };

  it('should read a cursor’s page in the window the cursor was issued in, however much later', () => {
    const windows = new ViewWindows();
    const window = windows.windowOf(firstPage, opened)!;
    windows.remember(window, ['next-1', null]);
    expect(windows.windowOf({ ...firstPage, cursor: 'next-1', page: 2 }, later)).toEqual(window);
  });

  it('should open a fresh window for a first page', () => {
    const windows = new ViewWindows();
    expect(windows.windowOf(firstPage, later)).toEqual({ from: '2026-11-18T15:00:00.000Z', to: '2026-11-25T15:00:00.000Z' });
  });

  it('should know no window for a cursor it did not issue (a reloaded or shared paged view), unless the address fixes it', () => {
    const windows = new ViewWindows();
    expect(windows.windowOf({ ...firstPage, cursor: 'from-elsewhere', page: 3 }, later)).toBeUndefined();
    const fixed = { ...EMPTY_FILTERS, range: '' as const, from: '2026-11-01T00:00:00.000Z', to: '2026-11-02T00:00:00.000Z' };
    expect(windows.windowOf({ filters: fixed, cursor: 'from-elsewhere', page: 3 }, later)).toEqual({ from: fixed.from, to: fixed.to });
  });

  it('should forget the oldest cursors beyond a thousand', () => {
    const windows = new ViewWindows();
    const window = windows.windowOf(firstPage, opened)!;
    for (let n = 0; n < 1001; n++) windows.remember(window, [`cursor-${n}`]);
    expect(windows.windowOf({ ...firstPage, cursor: 'cursor-0', page: 2 }, later)).toBeUndefined();
    expect(windows.windowOf({ ...firstPage, cursor: 'cursor-1000', page: 2 }, later)).toEqual(window);
  });
});
