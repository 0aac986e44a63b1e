import { createMetricsRegistry, QueryLimitMetrics } from '@audit/observability';
import { HeavyReadLimiter, type HeavyReadSlot, type Refusal } from './heavy-read.limiter';

const slot = (taken: HeavyReadSlot | Refusal) => {
  if ('refused' in taken) throw new Error(`refused by the ${taken.refused} limit`);
  return taken;
};

describe('HeavyReadLimiter', () => {
  const limits = { export: { global: 3, perTenant: 2 }, verify: { global: 1, perTenant: 1 }, stream: { global: 1, perTenant: 1 } };

  it("should refuse an organization's read beyond its share while another organization still gets one", () => {
    const limiter = new HeavyReadLimiter(limits);
    slot(limiter.tryAcquire('export', 'org_a'));
    slot(limiter.tryAcquire('export', 'org_a'));

    expect(limiter.tryAcquire('export', 'org_a')).toEqual({ refused: 'tenant' });
    slot(limiter.tryAcquire('export', 'org_b'));
    expect(limiter.tryAcquire('export', 'org_c')).toEqual({ refused: 'global' });
  });

  it('should count each kind apart and give a slot back once, however often it is released', () => {
    const limiter = new HeavyReadLimiter(limits);
    const verify = slot(limiter.tryAcquire('verify', 'org_a'));
    slot(limiter.tryAcquire('export', 'org_a'));
    expect(limiter.tryAcquire('verify', 'org_b')).toEqual({ refused: 'global' });

    verify.release();
    verify.release();

    expect({ verify: limiter.inFlight('verify'), export: limiter.inFlight('export') }).toEqual({ verify: 0, export: 1 });
    slot(limiter.tryAcquire('verify', 'org_b'));
    expect(limiter.tryAcquire('verify', 'org_a')).toEqual({ refused: 'global' });
  });

  it('should report the reads in flight and the refusals by limit', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const limiter = new HeavyReadLimiter(limits, new QueryLimitMetrics(registry));
    slot(limiter.tryAcquire('verify', 'org_a'));
    limiter.tryAcquire('verify', 'org_a');
    limiter.tryAcquire('verify', 'org_b');

    const text = await registry.metrics();
    expect(text).toContain('audit_query_heavy_reads_in_flight{kind="verify"} 1');
    expect(text).toContain('audit_query_heavy_reads_refused_total{kind="verify",limit="tenant"} 1');
    expect(text).toContain('audit_query_heavy_reads_refused_total{kind="verify",limit="global"} 1');
  });
});
