import { isFixedWindow, openWindow, type AuditView, type ViewWindow } from './audit-filters';

/** Cursors remembered per page (a long session pages a few hundred times at most). */
const MAX_CURSORS = 1000;

/**
 * The window each view of this page reads. A first page opens a window at the moment it is
 * opened (page 1 again, another filter, a reload: a fresh window); a cursor's page reads the
 * window the cursor was issued in, whatever the time now, so paging forward and back after any
 * pause reads one fixed window. A cursor this page did not issue (the address of a paged view
 * reloaded or shared) has no window here: its view starts again at page 1. A fixed window (explicit
 * `to` in the address) is its own, and its cursors stay valid anywhere.
 */
export class ViewWindows {
  private readonly byCursor = new Map<string, ViewWindow>();

  /** The window of `view` at `now`; undefined when it must start again from page 1. */
  windowOf(view: AuditView, now: number): ViewWindow | undefined {
    if (!view.cursor || isFixedWindow(view.filters)) return openWindow(view.filters, now);
    return this.byCursor.get(view.cursor);
  }

  /** The cursors a page of `window` returned lead to pages of that same window. */
  remember(window: ViewWindow, cursors: Array<string | null>): void {
    for (const cursor of cursors) {
      if (!cursor) continue;
      this.byCursor.delete(cursor);
      this.byCursor.set(cursor, window);
    }
    for (const oldest of this.byCursor.keys()) {
      if (this.byCursor.size <= MAX_CURSORS) break;
      this.byCursor.delete(oldest);
    }
  }
}
