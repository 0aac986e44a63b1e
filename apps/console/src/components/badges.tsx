import type { AuditEvent } from '@audit/contract';
import { badgeColor } from '../format/resource-badge.colors';

export function ResourceBadge({ type }: { type: string }) {
  return <span className={`badge badge--${badgeColor(type)}`}>{type}</span>;
}

/** Outcome by icon, word and color together, so it reads at a glance and without color vision. */
export function StatusBadge({ status }: { status: AuditEvent['status'] }) {
  return status === 'success' ? (
    <span className="status status--success">
      <span aria-hidden="true">✓</span> Success
    </span>
  ) : (
    <span className="status status--failure">
      <span aria-hidden="true">✕</span> Failure
    </span>
  );
}

/**
 * The organization stored another event with this id and time but other content: both are shown
 * (an identical re-send would be shown once). Words and an icon, not color alone.
 */
export function IdConflictBadge() {
  return (
    <span className="status status--conflict" data-testid="id-conflict" title="Another event of this organization has the same id and time but different content; both are shown.">
      <span aria-hidden="true">⚠</span> ID reused
    </span>
  );
}
