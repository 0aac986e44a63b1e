import { RetryPolicy } from './retry.policy';

describe('RetryPolicy', () => {
  const options = { initialMs: 100, maxMs: 1_000, retryAfterMaxMs: 60_000 };

  it('should double the step per attempt up to the ceiling, waiting between half the step and the step', () => {
    const low = new RetryPolicy(options, () => 0);
    const high = new RetryPolicy(options, () => 1);
    expect([0, 1, 2, 3, 4, 10].map((attempt) => [low.delay(attempt), high.delay(attempt)])).toEqual([
      [50, 100],
      [100, 200],
      [200, 400],
      [400, 800],
      [500, 1000],
      [500, 1000],
    ]);
  });

  it('should spread the retries of streams failing at the same moment', () => {
    const policy = new RetryPolicy(options);
    const delays = new Set(Array.from({ length: 50 }, () => policy.delay(3)));
    expect(delays.size).toBeGreaterThan(10);
  });

  it('should honour Retry-After, even beyond the backoff ceiling, up to its own limit', () => {
    expect(new RetryPolicy(options, () => 0).delay(0, 30_000)).toBe(30_000);
    expect(new RetryPolicy(options, () => 1).delay(0, 30_000)).toBe(31_000);
    expect(new RetryPolicy(options, () => 0).delay(0, 3_600_000)).toBe(60_000);
  });
});
