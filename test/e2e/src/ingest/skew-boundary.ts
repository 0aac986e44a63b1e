// Issue 15, finding 2: events at the contract's clock-skew limit, for the tests of a block's clock
// (block-clock.int-spec.ts in-process, crash-recovery.int-spec.ts after kill -9).
import { LIMITS, makeAuditEvent, type AuditEvent } from '@audit/contract';

export const ORGANIZATION = 'org_clock';
/**
 * How far beyond the skew limit the event is when published: refused by a block cut within this
 * time (on a loaded machine a block can take seconds to be cut), valid for an attempt later than it.
 */
export const BEYOND_MS = 6000;

/** One valid event and one just beyond the skew limit, to be published in one block of one partition. */
export function boundaryPair(publishedAt: number): { onTime: AuditEvent; ahead: AuditEvent } {
  return {
    onTime: makeAuditEvent({ organizationId: ORGANIZATION, occurredAt: new Date(publishedAt).toISOString() }),
    ahead: makeAuditEvent({ organizationId: ORGANIZATION, occurredAt: new Date(publishedAt + LIMITS.maxClockSkewMs + BEYOND_MS).toISOString() }),
  };
}

export const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
