/**
 * Keeps a label value inside a small vocabulary, so a caller passing something unexpected (an
 * error message, an id) cannot create unbounded series: anything that is not a short snake_case
 * word becomes `other`.
 */
export function boundedLabel(value: string | undefined, allowed?: readonly string[]): string {
  if (!value) return 'unknown';
  const normalised = value.toLowerCase();
  if (allowed) return allowed.includes(normalised) ? normalised : 'other';
  return /^[a-z][a-z0-9_.]{0,39}$/.test(normalised) ? normalised : 'other';
}
