import { Histogram, Registry } from 'prom-client';
import { BulkHistogram } from './bulk.histogram';

describe('BulkHistogram', () => {
  it("should render exactly what prom-client's Histogram renders for the same observations", async () => {
    const buckets = [0.5, 1, 5];
    const values = [0.1, 0.5, 0.7, 1, 3, 5, 9, 120];
    const bulkRegistry = new Registry();
    const referenceRegistry = new Registry();
    const bulk = new BulkHistogram({ name: 'audit_test_seconds', help: 'Test.', buckets, registers: [bulkRegistry] });
    const reference = new Histogram({ name: 'audit_test_seconds', help: 'Test.', buckets, registers: [referenceRegistry] });

    for (const value of values) {
      bulk.observe(value);
      reference.observe(value);
    }

    expect(await bulkRegistry.metrics()).toBe(await referenceRegistry.metrics());
    const withoutExemplars = (json: unknown) => JSON.parse(JSON.stringify(json, (key, value: unknown) => (key === 'exemplar' ? undefined : value)));
    expect(withoutExemplars(await bulkRegistry.getMetricsAsJSON())).toEqual(withoutExemplars(await referenceRegistry.getMetricsAsJSON()));
  });

  it('should ignore values that are not finite numbers', async () => {
    const registry = new Registry();
    const bulk = new BulkHistogram({ name: 'audit_test_seconds', help: 'Test.', buckets: [1], registers: [registry] });

    bulk.observe(Number.NaN);
    bulk.observe(Number.POSITIVE_INFINITY);

    expect(await registry.metrics()).toContain('audit_test_seconds_count 0');
  });

  it('should start from zero again after a registry reset', async () => {
    const registry = new Registry();
    const bulk = new BulkHistogram({ name: 'audit_test_seconds', help: 'Test.', buckets: [1], registers: [registry] });
    bulk.observe(0.5);

    registry.resetMetrics();

    expect(await registry.metrics()).toContain('audit_test_seconds_bucket{le="1"} 0');
  });
});
