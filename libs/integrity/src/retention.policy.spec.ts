import { DAY_MS, linkExpiry, parseRetentionOverrides, RetentionPolicy, SIX_YEARS_DAYS } from './retention.policy';

describe('RetentionPolicy', () => {
  it('keeps every organization six years when nothing is configured', () => {
    const policy = new RetentionPolicy();
    expect(policy.defaultDays).toBe(SIX_YEARS_DAYS);
    expect(policy.retentionDaysFor('org_a')).toBe(2192);
    expect(policy.describe('org_a')).toEqual({ organizationId: 'org_a', retentionDays: 2192, source: 'default' });
  });

  it('keeps an organization listed in the overrides for its shorter retention and the others for the default', () => {
    const policy = RetentionPolicy.fromConfig({ AUDIT_RETENTION_DAYS: 2192, AUDIT_RETENTION_OVERRIDES: ' org-a=365, org_b.eu=730 ,' });
    expect(policy.retentionDaysFor('org-a')).toBe(365);
    expect(policy.retentionDaysFor('org_b.eu')).toBe(730);
    expect(policy.retentionDaysFor('org_c')).toBe(2192);
    expect(policy.describe('org-a').source).toBe('override');
  });

  it('answers through retentionDaysFor even when the function is handed over unbound', () => {
    const { retentionDaysFor } = new RetentionPolicy(1000, 'org_a=10');
    expect(['org_a', 'org_b'].map(retentionDaysFor)).toEqual([10, 1000]);
  });

  it('refuses an override longer than the default, naming the organization', () => {
    expect(() => new RetentionPolicy(2192, 'org_a=3000')).toThrow(/org_a=3000 is longer than the default of 2192 days/);
  });

  it.each([
    ['org_a', /must be organizationId=days/],
    ['org_a=', /must be organizationId=days/],
    ['org_a=12x', /must be organizationId=days/],
    ['org_a=-5', /must be organizationId=days/],
    ['org a=5', /must be organizationId=days/],
    ['org_a=1=2', /must be organizationId=days/],
    ['org_a=0', /at least 1 day/],
    ['org_a=5,org_a=6', /listed twice/],
  ])('refuses the malformed override %s', (text, message) => {
    expect(() => parseRetentionOverrides(text, 2192)).toThrow(message);
  });

  it('refuses a default retention outside 1 to 36,500 days', () => {
    expect(() => new RetentionPolicy(0)).toThrow(/AUDIT_RETENTION_DAYS/);
    expect(() => new RetentionPolicy(36_501)).toThrow(/AUDIT_RETENTION_DAYS/);
  });
});

describe('linkExpiry', () => {
  const recorded = Date.parse('2026-06-01T00:00:00.000Z');

  it('counts a link’s retention from when it was recorded', () => {
    expect(new Date(linkExpiry(0, recorded, 2192)).toISOString()).toBe('2032-06-01T00:00:00.000Z');
  });

  it('never expires a link before the link before it, so what has expired is always a prefix of the chain', () => {
    const previous = linkExpiry(0, recorded, 2192);
    // The organization's retention was shortened to 90 days: the new link waits for its predecessor.
    expect(linkExpiry(previous, recorded + DAY_MS, 90)).toBe(previous);
    // … and from when the new retention outlasts the old links, it counts.
    const later = recorded + 2200 * DAY_MS;
    expect(linkExpiry(previous, later, 90)).toBe(later + 90 * DAY_MS);
  });
});
