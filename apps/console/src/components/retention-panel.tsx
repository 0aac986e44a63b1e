import { useEffect, useState } from 'react';
import type { AuditApiClient, LegalHold, Retention } from '../api/audit-api.client';
import { formatCount, localDateTime } from '../format/event.format';

function day(iso: string): string {
  return localDateTime(iso)[0];
}

function holdScope(hold: LegalHold): string {
  if (!hold.window) return 'every event';
  const { from, to } = hold.window;
  if (from && to) return `events from ${day(from)} to ${day(to)}`;
  return from ? `events from ${day(from)} on` : `events before ${day(to as string)}`;
}

/**
 * How long the organization's events are kept, and the legal holds that keep them longer. Shown
 * only when the retention answer is available (the security role, which reads across
 * organizations, gets none without naming one).
 */
export function RetentionPanel({ api }: { api: AuditApiClient }) {
  const [retention, setRetention] = useState<Retention | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    api.retention(abort.signal).then(setRetention, () => setRetention(null));
    return () => abort.abort();
  }, [api]);

  if (!retention) return null;
  const holds = retention.activeHolds;
  return (
    <section className="retention" aria-labelledby="retention-heading" data-testid="retention">
      <h2 id="retention-heading" className="retention__heading">
        Retention
      </h2>
      <p className="retention__rule">
        Events are kept {formatCount(retention.retentionDays)} days from when they were recorded{retention.source === 'override' ? ' (set for this organization)' : ''}
        {retention.expiredThrough ? `; the oldest ones expired on ${day(retention.expiredThrough.expiredAt)} under a signed statement` : ''}.
      </p>
      {holds.length > 0 ? (
        <>
          <p className="retention__held" role="status">
            <span className="badge badge--amber">Legal hold</span> {holds.length === 1 ? 'One hold keeps' : `${holds.length} holds keep`} events past their retention:
          </p>
          <ul className="retention__holds">
            {holds.map((hold) => (
              <li key={hold.holdId} data-hold-id={hold.holdId}>
                <span className="retention__reason">{hold.reason}</span> — {holdScope(hold)}; placed {day(hold.placedAt)} by {hold.placedBy.email || hold.placedBy.role}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
