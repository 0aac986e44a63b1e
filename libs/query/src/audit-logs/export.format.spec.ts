import type { AuditEventRow } from '@audit/clickhouse';
import { toAuditEventRow } from '@audit/clickhouse';
import { makeAuditEvent } from '@audit/contract';
import { csvCell, encodeBatches, EXPORT_ENCODERS } from './export.format';

describe('csvCell', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+cmd', "'+cmd"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['\rx', `"'\rx"`],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\nbreak', '"line\nbreak"'],
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['plain', 'plain'],
    ['', ''],
  ])('should write %j as %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });
});

describe('EXPORT_ENCODERS', () => {
  const event = makeAuditEvent({ metadata: { plan: 'pro', seats: 3 }, changes: [{ field: 'role', before: 'member', after: 'admin' }] });
  const row: AuditEventRow = { ...toAuditEventRow(event, { topic: 'audit.events.v1', partition: 0, offset: '1' }), occurred_at: event.occurredAt };

  it('should write NDJSON lines in the shape the list endpoint returns', () => {
    expect(JSON.parse(EXPORT_ENCODERS.ndjson.encode([row]))).toEqual(event);
  });

  it('should write one CSV record per row under a header, with CRLF line ends', () => {
    const text = EXPORT_ENCODERS.csv.header + EXPORT_ENCODERS.csv.encode([row, row]);
    const lines = text.split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[0].split(',')[0]).toBe('id');
    expect(lines[1].startsWith(`${event.id},${event.occurredAt},${event.organizationId},`)).toBe(true);
  });
});

describe('encodeBatches', () => {
  it('should turn each batch of rows into its text and keep its row count', async () => {
    const row = (id: string) => ({ event_id: id }) as AuditEventRow;
    async function* batches() {
      yield [row('a'), row('b')];
      yield [row('c')];
    }
    const encoder = { ...EXPORT_ENCODERS.ndjson, encode: (rows: AuditEventRow[]) => rows.map((r) => r.event_id).join('') };
    const out = [];
    for await (const batch of encodeBatches(batches(), encoder)) out.push(batch);
    expect(out).toEqual([
      { rows: 2, text: 'ab' },
      { rows: 1, text: 'c' },
    ]);
  });
});
