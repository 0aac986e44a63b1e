import type { AuditEventRow } from '@audit/clickhouse';
import { toAuditEventRow } from '@audit/clickhouse';
import { makeAuditEvent } from '@audit/contract';
import { csvCell, EXPORT_ENCODERS } from './export.format';

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
