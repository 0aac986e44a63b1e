import type { AuditHistogram } from '../api/audit-api.client';
import { formatCount } from '../format/event.format';

const INTERVAL_MS: Record<string, number> = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '3h': 10_800_000, '6h': 21_600_000, '12h': 43_200_000, '1d': 86_400_000, '7d': 604_800_000 };

interface HistogramBarsProps {
  histogram: AuditHistogram | null;
  /** Called with a bar's time range (ISO-8601, end exclusive) when it is clicked: the view zooms to it. */
  onZoom: (from: string, to: string) => void;
}

/** Events over time for the view's filters: one bar per bucket, a click zooms the window to that bar. */
export function HistogramBars({ histogram, onZoom }: HistogramBarsProps) {
  if (!histogram) return <div className="histogram histogram--empty" aria-hidden="true" />;
  const width = INTERVAL_MS[histogram.interval] ?? 3_600_000;
  const highest = Math.max(1, ...histogram.buckets.map((bucket) => bucket.count));
  const total = histogram.buckets.reduce((sum, bucket) => sum + bucket.count, 0);
  return (
    <figure className="histogram" data-testid="histogram" data-interval={histogram.interval}>
      <figcaption className="histogram__caption">
        {formatCount(total)} events, per {histogram.interval}
      </figcaption>
      <div className="histogram__bars" role="list">
        {histogram.buckets.map((bucket) => {
          const start = Date.parse(bucket.start);
          // The first and last bars may be cut by the window.
          const from = new Date(Math.max(start, Date.parse(histogram.window.from))).toISOString();
          const to = new Date(Math.min(start + width, Date.parse(histogram.window.to))).toISOString();
          // Worded without "from" and "to": the date-range fields are found by those labels.
          const label = `${formatCount(bucket.count)} events, ${new Date(from).toLocaleString()} – ${new Date(to).toLocaleString()}`;
          return (
            <button
              key={bucket.start}
              type="button"
              role="listitem"
              className="histogram__bar"
              title={label}
              aria-label={`${label}; zoom in`}
              data-count={bucket.count}
              data-start={bucket.start}
              disabled={bucket.count === 0}
              style={{ height: `${Math.max(bucket.count > 0 ? 4 : 1, (bucket.count / highest) * 100)}%` }}
              onClick={() => onZoom(from, to)}
            />
          );
        })}
      </div>
    </figure>
  );
}
