import { packStoredLines, splitLines, STORED_HEADERS } from './stored-events.wire';

const line = (seq: number, size = 10) => Buffer.from(`{"chain_seq":${seq},"x":"${'a'.repeat(size)}"}`);

describe('stored events wire format', () => {
  it('should pack consecutive lines into records that state their sequence range and count', () => {
    const lines = [line(5), line(6), line(7)];
    const [record] = packStoredLines('org_1', lines, 5, 1024);
    expect(record.key).toBe('org_1');
    expect(record.headers).toEqual({ [STORED_HEADERS.kind]: 'events', [STORED_HEADERS.firstSeq]: '5', [STORED_HEADERS.lastSeq]: '7', [STORED_HEADERS.events]: '3' });
    expect(splitLines(record.value).map(String)).toEqual(lines.map(String));
  });

  it('should start a new record before one would pass the byte limit, keeping a longer single line whole', () => {
    const lines = [line(1), line(2), line(3, 500), line(4)];
    const records = packStoredLines('org_1', lines, 1, 2 * lines[0].length + 1);
    expect(records.map((record) => [record.headers[STORED_HEADERS.firstSeq], record.headers[STORED_HEADERS.lastSeq]])).toEqual([
      ['1', '2'],
      ['3', '3'],
      ['4', '4'],
    ]);
    expect(records.flatMap((record) => splitLines(record.value).map(String))).toEqual(lines.map(String));
    expect(records.every((record, index) => index === 1 || record.value.length <= 2 * lines[0].length + 1)).toBe(true);
  });

  it('should split a newline-terminated body into its lines without empty ones', () => {
    expect(splitLines(Buffer.from('a\nbb\n\nccc\n')).map(String)).toEqual(['a', 'bb', 'ccc']);
  });
});
