const LOCAL_DATE = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const LOCAL_TIME = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

/** Local date and time for reading, e.g. ["Nov 25, 2026", "7:20:03 PM"]; narrow layouts put them on two lines. */
export function localDateTime(iso: string): [date: string, time: string] {
  const date = new Date(iso);
  return [LOCAL_DATE.format(date), LOCAL_TIME.format(date)];
}

/** Full UTC with milliseconds, e.g. "2026-11-25 18:20:03.123 UTC", for the hover title and details. */
export function utcTime(iso: string): string {
  return `${new Date(iso).toISOString().replace('T', ' ').replace('Z', '')} UTC`;
}

export function formatCount(count: number): string {
  return count.toLocaleString();
}

/** A change or metadata value as text; null and empty strings are shown as such, not hidden. */
export function formatValue(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '∅';
  if (value === '') return '""';
  return String(value);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** ISO-8601 → the local `YYYY-MM-DDTHH:mm` a datetime-local input shows. */
export function toLocalInput(iso: string): string {
  const date = new Date(iso);
  if (!iso || Number.isNaN(date.getTime())) return '';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A datetime-local value (local time) → ISO-8601 UTC; empty stays empty. */
export function fromLocalInput(value: string): string {
  const date = new Date(value);
  return value && !Number.isNaN(date.getTime()) ? date.toISOString() : '';
}
