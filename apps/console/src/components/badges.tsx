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
