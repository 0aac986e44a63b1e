import type { PartitionRows, TailRow } from '@audit/clickhouse';
import { mergeTail } from './tail-page.merge';

const row = (partition: number, offset: number, storedAt: number, copy = false) =>
  ({ kafka_partition: partition, kafka_offset: offset, ingested_ms: storedAt, chain_seq: offset + 1, copy }) as TailRow;
const rows = (list: TailRow[], truncated = false): PartitionRows => ({ rows: list, truncated });

describe('mergeTail', () => {
  it('should keep the position when nothing is stored beyond it (the same cursor comes back)', () => {
    const position = new Map([[0, 5], [1, 9]]);
    expect(mergeTail(position, position, new Map(), 10)).toEqual({ steps: [], next: position });
  });

  it('should merge partitions in order of arrival and move each past the rows the filters left out', () => {
    const read = new Map([[0, rows([row(0, 5, 30)])], [1, rows([row(1, 9, 10), row(1, 12, 40)])]]);
    const merged = mergeTail(new Map([[0, 5], [1, 9]]), new Map([[0, 8], [1, 20]]), read, 10);
    expect(merged.steps.map((step) => `${step.row.kafka_partition}/${step.row.kafka_offset}`)).toEqual(['1/9', '0/5', '1/12']);
    expect(merged.next).toEqual(new Map([[0, 8], [1, 20]]));
    // Each event's resume point is just after it, and never ahead of a row not yet shown.
    expect(merged.steps[1].after).toEqual(new Map([[0, 6], [1, 10]]));
  });

  it('should stop at the limit with every partition at a prefix of what it passed', () => {
    const read = new Map([[0, rows([row(0, 1, 10), row(0, 2, 30)])], [1, rows([row(1, 1, 20)])]]);
    const merged = mergeTail(new Map(), new Map([[0, 9], [1, 9]]), read, 2);
    expect(merged.steps).toHaveLength(2);
    expect(merged.next).toEqual(new Map([[0, 2], [1, 9]]));
  });

  it('should pass a copy without showing it', () => {
    const merged = mergeTail(new Map([[0, 0]]), new Map([[0, 3]]), new Map([[0, rows([row(0, 0, 1), row(0, 1, 2, true), row(0, 2, 3)])]]), 10);
    expect(merged.steps.map((step) => step.row.kafka_offset)).toEqual([0, 2]);
    expect(merged.next).toEqual(new Map([[0, 3]]));
  });

  it('should stop where a truncated partition ran out: its next row is not known yet', () => {
    const read = new Map([[0, rows([row(0, 0, 1)], true)], [1, rows([row(1, 0, 5)])]]);
    const merged = mergeTail(new Map(), new Map([[0, 100], [1, 100]]), read, 10);
    expect(merged.steps.map((step) => step.row.kafka_partition)).toEqual([0]);
    expect(merged.next).toEqual(new Map([[0, 1], [1, 0]]));
  });
});
