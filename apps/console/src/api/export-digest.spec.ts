import { createHash } from 'node:crypto';
import { countRows, digestExport } from './export-digest';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('countRows', () => {
  it('should not count the CSV header', () => {
    expect(countRows(bytes('id,action\n1,view\n2,login\n'), 'csv')).toBe(2);
    expect(countRows(bytes('id,action\n'), 'csv')).toBe(0);
  });

  it('should count one NDJSON row per line, the last one with or without its newline', () => {
    expect(countRows(bytes('{"id":1}\n{"id":2}\n'), 'ndjson')).toBe(2);
    expect(countRows(bytes('{"id":1}\n{"id":2}'), 'ndjson')).toBe(2);
    expect(countRows(bytes(''), 'ndjson')).toBe(0);
  });
});

describe('digestExport', () => {
  it('should give the SHA-256 the server computes over the same bytes', async () => {
    const text = 'id,action\n1,view\n';
    const digest = await digestExport(new Blob([text]), 'csv');
    expect(digest).toEqual({ rows: 1, sha256: createHash('sha256').update(text).digest('hex') });
  });
});
