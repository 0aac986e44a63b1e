import { toAuditEventRow } from '@audit/clickhouse';
import { makeAuditEvent, packStoredLines } from '@audit/contract';
import type { KafkaMessage } from 'kafkajs';
import { formatEvent } from '../format/event.formats';
import { formatRecordLines, type FormatJob, type FormattedLines } from '../projection/record-lines.formatter';
import { decodeStoredLine } from '../projection/stored-record.decoder';
import type { DeliveryItem } from './delivery-item';
import { StreamRecordReader } from './stream-record.reader';

/** One projection record of `organizationId` holding sequences firstSeq..lastSeq (actions alternate read/update). */
function record(organizationId: string, firstSeq: number, lastSeq: number, offset: number): KafkaMessage {
  const lines = [];
  for (let seq = firstSeq; seq <= lastSeq; seq++) {
    const event = makeAuditEvent({ organizationId, action: seq % 2 === 0 ? 'read' : 'update', metadata: { seq } });
    const row = { ...toAuditEventRow(event, { topic: 'audit', partition: 0, offset: String(seq) }), chain_seq: seq, chain_hash: `h${seq}`, chain_prev_hash: `h${seq - 1}` };
    lines.push(Buffer.from(`${JSON.stringify(row)}\n`));
  }
  const [packed] = packStoredLines(organizationId, lines, firstSeq, 1 << 20);
  return { key: Buffer.from(packed.key), value: packed.value, headers: packed.headers, offset: String(offset), timestamp: '1000', attributes: 0 } as KafkaMessage;
}

/** A formatter whose results come back only when the test releases them, in the order it chooses. */
function heldFormatter() {
  const held: Array<{ job: FormatJob; release: (lines: FormattedLines) => void }> = [];
  const formatter = { format: (job: FormatJob) => new Promise<FormattedLines>((release) => held.push({ job, release })) };
  return { formatter, release: (index: number) => held[index].release(formatRecordLines(held[index].job)) };
}

const definition = { organizationId: '*', filter: {}, format: 'v1' as const };

describe('StreamRecordReader', () => {
  it('should drop a copy read before the first reading of the same record was formatted (the gate moves at the call)', async () => {
    const { formatter, release } = heldFormatter();
    const reader = new StreamRecordReader(definition, { formatter });
    const first = reader.read(0, record('org_a', 1, 3, 10));
    const copy = reader.read(0, record('org_a', 1, 3, 11));
    release(0);
    const [firstItem, copyItem] = (await Promise.all([first, copy])) as DeliveryItem[];
    expect(firstItem.events.map((event) => event.seq)).toEqual([1, 2, 3]);
    expect(copyItem.events).toEqual([]);
    expect(copyItem.coverage).toBeUndefined();
    expect(reader.counts.duplicatesDropped).toBe(3);
  });

  it('should give each kept event the JSON of exactly that event in the stream format, and its fields on demand', async () => {
    for (const format of ['v1', 'ocsf'] as const) {
      const reader = new StreamRecordReader({ ...definition, format, filter: { actions: ['update'] } }, { serialize: true });
      const message = record('org_b', 5, 9, 3);
      const item = await reader.read(0, message);
      const expected = (message.value as Buffer)
        .toString()
        .split('\n')
        .filter(Boolean)
        .map((line) => decodeStoredLine(line))
        .filter((stored) => stored.event.action === 'update');
      expect(item.events.map((event) => event.seq)).toEqual([5, 7, 9]);
      expect(item.events.map((event) => event.formatted?.toString())).toEqual(expected.map((stored) => JSON.stringify(formatEvent(format, stored))));
      expect(item.events.map(({ organizationId, seq, hash, prevHash, event }) => ({ organizationId, seq, hash, prevHash, event }))).toEqual(expected);
    }
  });

  it('should continue inside a record cut short, formatting only the lines after the sequence reached', async () => {
    const reader = new StreamRecordReader(definition, { serialize: true });
    reader.resumeInside(0, '7', 3);
    const item = await reader.read(0, record('org_c', 1, 5, 7));
    expect(item.coverage).toEqual({ firstSeq: 4, lastSeq: 5 });
    expect(item.events.map((event) => [event.seq, JSON.parse(event.formatted?.toString() ?? '{}').seq])).toEqual([
      [4, 4],
      [5, 5],
    ]);
  });
});
