import { toAuditEventRow } from '@audit/clickhouse';
import { makeAuditEvent } from '@audit/contract';
import { formatRecordLines } from './record-lines.formatter';

const line = (seq: number) => `${JSON.stringify({ ...toAuditEventRow(makeAuditEvent({ organizationId: 'org_a' }), { topic: 'audit', partition: 0, offset: String(seq) }), chain_seq: seq, chain_hash: `h${seq}`, chain_prev_hash: `h${seq - 1}` })}\n`;

describe('formatRecordLines', () => {
  it("should give JSON bytes a formatter thread can transfer, however small (never a slice of Buffer's shared pool)", () => {
    for (const lines of [1, 40]) {
      const formatted = formatRecordLines({ value: Buffer.from(Array.from({ length: lines }, (_, index) => line(index + 1)).join('')), skip: 0, filter: {}, format: 'v1', serialize: true });
      const json = formatted.json as Uint8Array;
      const moved = structuredClone(formatted, { transfer: [json.buffer as ArrayBuffer] });
      expect(moved.ends).toHaveLength(lines);
      expect(Buffer.from(moved.json as Uint8Array).toString().startsWith('{"kind":"event"')).toBe(true);
    }
  });
});
