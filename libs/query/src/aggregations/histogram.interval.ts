/** Bucket widths a histogram may use, narrowest first. */
export const HISTOGRAM_INTERVALS = { '1m': 60, '5m': 300, '15m': 900, '1h': 3_600, '3h': 10_800, '6h': 21_600, '12h': 43_200, '1d': 86_400, '7d': 604_800 } as const;
export type HistogramInterval = keyof typeof HISTOGRAM_INTERVALS;

/** Bars an automatic interval aims at most for (one more where the window starts mid-bucket): readable above a table, enough to see a burst. */
export const AUTO_MAX_BUCKETS = 120;
/** Most buckets an explicit interval may ask for (a minute over a year would be 527,040). */
export const MAX_BUCKETS = 1_500;

export const bucketCount = (fromMs: number, toMs: number, seconds: number) =>
  Math.max(1, Math.ceil(toMs / (seconds * 1000)) - Math.floor(fromMs / (seconds * 1000)));

/** The narrowest interval whose width fits the window at most {@link AUTO_MAX_BUCKETS} times (30 days: 6 h). */
export function autoInterval(fromMs: number, toMs: number): HistogramInterval {
  const names = Object.keys(HISTOGRAM_INTERVALS) as HistogramInterval[];
  return names.find((name) => toMs - fromMs <= AUTO_MAX_BUCKETS * HISTOGRAM_INTERVALS[name] * 1000) ?? '7d';
}

/**
 * Every bucket of the window (aligned to the epoch, UTC) with its count, empty ones as 0: a client
 * draws the bars without knowing the alignment rule.
 */
export function fillBuckets(fromMs: number, toMs: number, seconds: number, counted: ReadonlyArray<{ start: number; count: number }>): Array<{ start: string; count: number }> {
  const width = seconds * 1000;
  const counts = new Map(counted.map((bucket) => [bucket.start, bucket.count]));
  const buckets: Array<{ start: string; count: number }> = [];
  for (let start = Math.floor(fromMs / width) * width; start < toMs || buckets.length === 0; start += width) {
    buckets.push({ start: new Date(start).toISOString(), count: counts.get(start) ?? 0 });
  }
  return buckets;
}
