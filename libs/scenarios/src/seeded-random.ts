/**
 * The seed of a run: `RELIABILITY_SEED` when set (to replay a run), else a fresh one. The caller
 * prints it in the run's figure line, so any failing run can be replayed.
 */
export function runSeed(): number {
  const given = process.env.RELIABILITY_SEED;
  if (given !== undefined && given !== '') {
    const seed = Number(given);
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`RELIABILITY_SEED must be a non-negative integer, got "${given}"`);
    return seed;
  }
  return Math.floor(Math.random() * 2 ** 31);
}

/** A small deterministic generator (mulberry32): the same seed gives the same faults and corpus. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** `count` points in [low, high), ascending: when in a run each fault strikes. */
  points(count: number, low: number, high: number): number[] {
    return Array.from({ length: count }, () => low + this.next() * (high - low)).sort((a, b) => a - b);
  }

  /** A version-7 UUID whose random bits come from this generator (reproducible event ids). */
  uuidv7(time: number): string {
    const hex = (value: number, digits: number) => Math.floor(value).toString(16).padStart(digits, '0');
    const random = (digits: number) => Array.from({ length: digits }, () => this.int(0, 15).toString(16)).join('');
    const ms = hex(time, 12);
    return `${ms.slice(0, 8)}-${ms.slice(8)}-7${random(3)}-${this.pick(['8', '9', 'a', 'b'])}${random(3)}-${random(12)}`;
  }
}
