export interface RetryPolicyOptions {
  initialMs: number;
  maxMs: number;
  /** Longest `Retry-After` honoured. */
  retryAfterMaxMs: number;
}

/**
 * How long to wait before the next attempt at the same batch: exponential backoff with "equal
 * jitter" (half the step fixed, half random), so streams failing together do not retry in step;
 * a destination's `Retry-After` is honoured (plus up to 10 % jitter, capped at `retryAfterMaxMs`).
 */
export class RetryPolicy {
  constructor(
    private readonly options: RetryPolicyOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** `attempt`: failed attempts so far, minus one (0 after the first failure). */
  delay(attempt: number, retryAfterMs?: number): number {
    if (retryAfterMs !== undefined) return Math.round(Math.min(this.options.retryAfterMaxMs, retryAfterMs + this.random() * Math.min(1000, retryAfterMs * 0.1)));
    const step = Math.min(this.options.maxMs, this.options.initialMs * 2 ** Math.min(attempt, 30));
    return Math.round(step / 2 + (this.random() * step) / 2);
  }
}
