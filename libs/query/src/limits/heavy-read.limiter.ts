import type { QueryLimitMetrics } from '@audit/observability';

/** The reads that can run for minutes and hold resources: a whole export, a chain verification, a live stream. */
export type HeavyReadKind = 'export' | 'verify' | 'stream';

export interface ConcurrencyLimit {
  global: number;
  perTenant: number;
}

/** A slot taken; `release` is idempotent. */
export interface HeavyReadSlot {
  release(): void;
}

/** Which limit was full. */
export type Refusal = { refused: 'tenant' | 'global' };

/**
 * Counts the heavy reads running, per kind, in all and per organization, and refuses one more
 * beyond either limit. One organization can then hold at most its share of the exports and
 * verifications an instance runs, and the instance as a whole a bounded number.
 */
export class HeavyReadLimiter {
  private readonly running = new Map<HeavyReadKind, { total: number; byTenant: Map<string, number> }>();

  constructor(
    private readonly limits: Record<HeavyReadKind, ConcurrencyLimit>,
    private readonly metrics?: QueryLimitMetrics,
  ) {}

  tryAcquire(kind: HeavyReadKind, tenant: string): HeavyReadSlot | Refusal {
    const limit = this.limits[kind];
    let counts = this.running.get(kind);
    if (!counts) this.running.set(kind, (counts = { total: 0, byTenant: new Map() }));
    const tenantCount = counts.byTenant.get(tenant) ?? 0;
    const refused = tenantCount >= limit.perTenant ? 'tenant' : counts.total >= limit.global ? 'global' : undefined;
    if (refused) {
      this.metrics?.refused.inc({ kind, limit: refused });
      return { refused };
    }
    counts.total += 1;
    counts.byTenant.set(tenant, tenantCount + 1);
    this.metrics?.heavyReads.set({ kind }, counts.total);
    let released = false;
    const running = counts;
    return {
      release: () => {
        if (released) return;
        released = true;
        running.total -= 1;
        const left = (running.byTenant.get(tenant) ?? 1) - 1;
        if (left === 0) running.byTenant.delete(tenant);
        else running.byTenant.set(tenant, left);
        this.metrics?.heavyReads.set({ kind }, running.total);
      },
    };
  }

  /** Heavy reads of this kind running now. */
  inFlight(kind: HeavyReadKind): number {
    return this.running.get(kind)?.total ?? 0;
  }
}
