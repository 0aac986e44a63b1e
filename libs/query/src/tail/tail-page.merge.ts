import type { PartitionRows, TailPosition, TailRow } from '@audit/clickhouse';

/** An event to send and the position just after it (its SSE id). */
export interface TailStep {
  row: TailRow;
  after: Map<number, number>;
}

export interface MergedTail {
  /** In order of arrival, copies left out. */
  steps: TailStep[];
  /** Where the next read starts: after every row passed, copies and filtered-out rows included. */
  next: Map<number, number>;
}

const arrival = (a: TailRow, b: TailRow) => a.ingested_ms - b.ingested_ms || a.kafka_partition - b.kafka_partition || a.kafka_offset - b.kafka_offset;

/**
 * Merges what each partition returned for [from, end) into one page of at most `limit` events,
 * in order of arrival (time stored, then partition and offset). It always takes the head of a
 * partition's rows, so what it passes of each partition is a prefix: the next position never
 * jumps a row. It stops at `limit` events, or when a partition whose read was truncated has no row
 * left (its next row is unknown). A partition read to its end moves to `end` — past the rows the
 * filters left out — and a copy is passed without being shown.
 */
export function mergeTail(from: TailPosition, end: TailPosition, read: ReadonlyMap<number, PartitionRows>, limit: number): MergedTail {
  const next = new Map(from);
  for (const partition of end.keys()) if (!next.has(partition)) next.set(partition, 0);
  const taken = new Map<number, number>();
  const steps: TailStep[] = [];
  while (steps.length < limit) {
    let head: TailRow | undefined;
    for (const [partition, { rows }] of read) {
      const candidate = rows[taken.get(partition) ?? 0];
      if (candidate && (!head || arrival(candidate, head) < 0)) head = candidate;
    }
    if (!head) break;
    const partition = head.kafka_partition;
    const count = (taken.get(partition) ?? 0) + 1;
    taken.set(partition, count);
    next.set(partition, head.kafka_offset + 1);
    if (!head.copy) steps.push({ row: head, after: new Map(next) });
    const rows = read.get(partition) as PartitionRows;
    if (count === rows.rows.length && rows.truncated) break;
  }
  for (const [partition, stop] of end) {
    const rows = read.get(partition);
    const finished = !rows || (!rows.truncated && (taken.get(partition) ?? 0) === rows.rows.length);
    if (finished && (next.get(partition) ?? 0) < stop) next.set(partition, stop);
  }
  return { steps, next };
}
