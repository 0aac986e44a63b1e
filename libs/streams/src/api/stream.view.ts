import type { StreamDefinition, StreamStatus } from '../definition/stream-definition';
import type { StreamStatusView, StreamView } from './stream-response.dto';

/** A stream as the API shows it: never its secret; the delivery's last report, flagged stale when old. */
export function toStreamView(definition: StreamDefinition, status: StreamStatus | undefined, staleAfterMs: number, now = Date.now()): StreamView {
  const { id, organizationId, name, destination, format, filter, paused, position, createdAt, updatedAt, sealedSecret } = definition;
  return {
    id,
    organizationId,
    name,
    destination: { ...destination, secretSet: sealedSecret !== undefined },
    format,
    filter: filter as Record<string, string[]>,
    paused,
    position: { kind: position.kind, from: position.from },
    createdAt,
    updatedAt,
    status: statusView(definition, status, staleAfterMs, now),
  };
}

function statusView(definition: StreamDefinition, status: StreamStatus | undefined, staleAfterMs: number, now: number): StreamStatusView {
  if (!status) return { state: definition.paused ? 'paused' : 'starting', delivered: 0, batches: 0, failedAttempts: 0, duplicatesDropped: 0, gaps: 0, updatedAt: null, stale: false };
  const { state, lastError, delivered, batches, failedAttempts, duplicatesDropped, gaps, lastDeliveredAt, lag, updatedAt } = status;
  return {
    state: definition.paused ? 'paused' : state,
    ...(lastError && { lastError }),
    delivered,
    batches,
    failedAttempts,
    duplicatesDropped,
    gaps,
    ...(lastDeliveredAt && { lastDeliveredAt }),
    ...(lag && { lag: { records: lag.records, events: lag.events, seconds: Math.round(lag.seconds * 10) / 10 } }),
    updatedAt,
    stale: !definition.paused && now - Date.parse(updatedAt) > staleAfterMs,
  };
}
