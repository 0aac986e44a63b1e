import { readTextBatch } from './text-batch.reader';

const digest = (n: number) => Buffer.alloc(32, n);

/** One RowBinary row as the export query returns it: (line String, organization_id String, occurred_at Int64 ms, event_id String, content_digest FixedString(32)). */
function row(line: string, organization: string, millis: number, id: string, content = digest(1)): Buffer {
  const string = (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    const length: number[] = [];
    let n = bytes.length;
    do {
      length.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
      n >>>= 7;
    } while (n > 0);
    return Buffer.concat([Buffer.from(length), bytes]);
  };
  const time = Buffer.alloc(8);
  time.writeBigInt64LE(BigInt(millis));
  return Buffer.concat([string(line), string(organization), time, string(id), content]);
}

describe('readTextBatch (RowBinary export batches)', () => {
  const id = '0b7e8a6e-6a7b-4c8e-9d7e-000000000001';

  it('joins the lines, names the organizations in order and keeps the key of the last row', () => {
    const long = `{"x":"${'é'.repeat(200)}"}\n`;
    const data = Buffer.concat([
      row('{"a":1}\n', 'org_1', 1_700_000_000_000, id),
      row('{"b":2}\n', 'org_1', 1_700_000_000_001, id),
      row(long, 'org_2', 1_700_000_000_123, id.replace(/1$/, '2'), digest(0xab)),
    ]);
    const batch = readTextBatch(data);
    expect(batch.rows).toBe(3);
    expect(batch.text.toString('utf8')).toBe(`{"a":1}\n{"b":2}\n${long}`);
    expect(batch.organizations).toEqual(['org_1', 'org_2']);
    expect(batch.last).toEqual({ organizationId: 'org_2', occurredAt: '2023-11-14T22:13:20.123Z', eventId: id.replace(/1$/, '2'), contentDigest: 'ab'.repeat(32) });
  });

  it('reads an empty batch as no rows and no key', () => {
    expect(readTextBatch(Buffer.alloc(0))).toEqual({ rows: 0, text: Buffer.alloc(0), organizations: [], last: undefined });
  });

  it('refuses bytes that end inside a row rather than exporting half of it', () => {
    const whole = Buffer.concat([row('{"a":1}\n', 'org_1', 1, id), row('{"b":2}\n', 'org_1', 2, id)]);
    for (const cut of [whole.length - 1, whole.length - 10, whole.length - 40, whole.length - 50]) {
      expect(() => readTextBatch(Buffer.from(whole.subarray(0, cut)))).toThrow(/ends inside row 2/);
    }
  });
});
