import { RowCounter } from './row.counter';

describe('RowCounter', () => {
  it('should count NDJSON lines across chunk boundaries', () => {
    const counter = new RowCounter('ndjson');
    counter.push(Buffer.from('{"a":1}\n{"a"'));
    counter.push(Buffer.from(':2}\n'));

    expect(counter.rows).toBe(2);
  });

  it('should not count the CSV header or newlines inside quoted fields', () => {
    const counter = new RowCounter('csv');
    counter.push(Buffer.from('id,reason\n1,"line one\nline '));
    counter.push(Buffer.from('two"\n2,"say ""hi"""\n'));

    expect(counter.rows).toBe(2);
  });

  it('should count zero rows for a CSV with only its header', () => {
    const counter = new RowCounter('csv');
    counter.push(Buffer.from('id,reason\n'));

    expect(counter.rows).toBe(0);
  });
});
