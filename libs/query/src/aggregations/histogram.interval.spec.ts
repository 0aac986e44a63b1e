import { AUTO_MAX_BUCKETS, autoInterval, bucketCount, fillBuckets, HISTOGRAM_INTERVALS } from './histogram.interval';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 8, 1);

describe('histogram intervals', () => {
  it.each([
    [DAY, '15m'],
    [7 * DAY, '3h'],
    [30 * DAY, '6h'],
    [90 * DAY, '1d'],
    [366 * DAY, '7d'],
    [60_000, '1m'],
    [30 * DAY + 1_000, '12h'],
  ])('should pick for a window of %i ms the interval %s', (span, interval) => {
    expect(autoInterval(T0, T0 + span)).toBe(interval);
  });

  it('should keep an automatic interval within its bar budget for any window up to a year', () => {
    for (let span = 60_000; span <= 366 * DAY; span = Math.ceil(span * 1.37)) {
      const from = T0 + 12_345;
      expect(bucketCount(from, from + span, HISTOGRAM_INTERVALS[autoInterval(from, from + span)])).toBeLessThanOrEqual(AUTO_MAX_BUCKETS + 1);
    }
  });

  it('should fill every bucket of the window, empty ones with 0, from the bucket holding `from`', () => {
    expect(fillBuckets(T0 + 30 * 60_000, T0 + 3 * 3_600_000, 3_600, [{ start: T0 + 3_600_000, count: 7 }])).toEqual([
      { start: '2026-09-01T00:00:00.000Z', count: 0 },
      { start: '2026-09-01T01:00:00.000Z', count: 7 },
      { start: '2026-09-01T02:00:00.000Z', count: 0 },
    ]);
  });
});
