/**
 * Runs a job's round every interval (the timer does not keep the process alive), never two at
 * once: a round still running when the next is due (a slow ClickHouse) is not doubled, and a round
 * that fails is reported and tried again at the next tick.
 */
export class IntervalRounds {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly round: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly failed: (error: unknown) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a round in progress (before ClickHouse closes). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.round()
      .catch(this.failed)
      .finally(() => (this.running = undefined));
  }
}

/** An error's message for a log line. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
