import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** One measured figure, compared with a baseline measured in the same run (DESIGN "Interfaces"). */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** What `value` is compared against, measured in the same run; null when nothing is. */
  baseline: string | null;
  baselineValue: number | null;
  /** value / baselineValue. */
  ratio: number | null;
  /** The target as text, e.g. ">= 50000 events/s" or "ratio >= 0.9". */
  target: string | null;
  meets: boolean | null;
  config: Record<string, unknown>;
}

export interface RowInput {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  /** Target on the value (`min`/`max`) and/or on the ratio (`minRatio`/`maxRatio`). */
  target?: { min?: number; max?: number; minRatio?: number; maxRatio?: number };
  config?: Record<string, unknown>;
}

const round = (n: number) => (Math.abs(n) >= 100 ? Math.round(n) : Math.round(n * 1000) / 1000);

/** Builds a row, computing the ratio and whether the target is met. */
export function benchRow(input: RowInput): BenchRow {
  const ratio = input.baseline && input.baseline.value !== 0 ? input.value / input.baseline.value : null;
  const t = input.target ?? {};
  const parts: string[] = [];
  const checks: boolean[] = [];
  if (t.min !== undefined) {
    parts.push(`>= ${t.min} ${input.unit}`);
    checks.push(input.value >= t.min);
  }
  if (t.max !== undefined) {
    parts.push(`<= ${t.max} ${input.unit}`);
    checks.push(input.value <= t.max);
  }
  if (t.minRatio !== undefined) {
    parts.push(`ratio >= ${t.minRatio}`);
    checks.push(ratio !== null && ratio >= t.minRatio);
  }
  if (t.maxRatio !== undefined) {
    parts.push(`ratio <= ${t.maxRatio}`);
    checks.push(ratio !== null && ratio <= t.maxRatio);
  }
  return {
    name: input.name,
    value: round(input.value),
    unit: input.unit,
    baseline: input.baseline?.name ?? null,
    baselineValue: input.baseline ? round(input.baseline.value) : null,
    ratio: ratio === null ? null : Math.round(ratio * 1000) / 1000,
    target: parts.length ? parts.join(' and ') : null,
    meets: checks.length ? checks.every(Boolean) : null,
    config: input.config ?? {},
  };
}

/** Prints the rows as a table for people and writes bench/results/<bench>.json for tools. */
export function writeBenchResults(bench: string, rows: BenchRow[]): string {
  const dir = resolve(process.env.BENCH_RESULTS_DIR ?? join(process.cwd(), 'bench', 'results'));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${bench}.json`);
  writeFileSync(file, `${JSON.stringify(rows, null, 2)}\n`);
  const table = rows.map((r) => ({
    name: r.name,
    value: `${r.value} ${r.unit}`,
    baseline: r.baseline ? `${r.baseline}: ${r.baselineValue}` : '',
    ratio: r.ratio ?? '',
    target: r.target ?? '',
    meets: r.meets === null ? '' : r.meets ? 'yes' : 'NO',
  }));
  console.log(`\n${bench}`);
  console.table(table);
  console.log(`results: ${file}`);
  return file;
}

