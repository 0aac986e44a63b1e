import type { ClickHouseHandle } from '@audit/clickhouse';
import { percentile } from '@audit/testing';

interface Call {
  what: string;
  startedMs: number;
  tookMs: number;
}

/**
 * Times every call the process makes to ClickHouse through `handle` (query, command, insert, exec,
 * and chDB's raw insert), by the first words of its statement: on chDB, one statement runs at a
 * time, so a slow read shows as time other calls waited. Wraps the handle's methods in place.
 */
export function timeClickHouseCalls(handle: ClickHouseHandle): { summary(): string[] } {
  const calls: Call[] = [];
  const wrap = (target: object, method: string, label: (args: Record<string, unknown>) => string) => {
    const original = (target as Record<string, (...args: unknown[]) => Promise<unknown>>)[method].bind(target);
    (target as Record<string, unknown>)[method] = async (...args: unknown[]) => {
      const startedMs = Date.now();
      try {
        return await original(...args);
      } finally {
        calls.push({ what: label((args[0] ?? {}) as Record<string, unknown>), startedMs, tookMs: Date.now() - startedMs });
      }
    };
  };
  const statement = (args: Record<string, unknown>) => String(args.query ?? `INSERT ${String(args.table)}`).replace(/\s+/g, ' ').trim().slice(0, 70);
  for (const method of ['query', 'command', 'insert', 'exec']) wrap(handle.client, method, statement);
  if (handle.chdb) wrap(handle.chdb, 'rawInsert', (args) => `rawInsert ${String(args.table)}`);
  return {
    summary() {
      const byWhat = new Map<string, number[]>();
      for (const call of calls) byWhat.set(call.what, [...(byWhat.get(call.what) ?? []), call.tookMs]);
      const first = Math.min(...calls.map((call) => call.startedMs));
      const last = Math.max(...calls.map((call) => call.startedMs + call.tookMs));
      return [...byWhat]
        .sort(([, a], [, b]) => b.reduce((x, y) => x + y, 0) - a.reduce((x, y) => x + y, 0))
        .slice(0, 12)
        .map(([what, times]) => `${times.length} × ${what}: p50 ${percentile(times, 50)} ms, p99 ${percentile(times, 99)} ms, max ${Math.max(...times)} ms, ${Math.round((100 * times.reduce((x, y) => x + y, 0)) / (last - first))} % of the run`);
    },
  };
}
