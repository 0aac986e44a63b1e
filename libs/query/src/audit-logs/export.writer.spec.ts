import type { AuditEventRow } from '@audit/clickhouse';
import type { Response } from 'express';
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { ExportEncoder } from './export.format';
import { EXPORT_TRAILERS, writeExport } from './export.writer';

/** The part of an express Response the writer uses; `write` reports a full buffer when asked to. */
class FakeResponse extends EventEmitter {
  body = '';
  headers: Record<string, string> = {};
  trailers: Record<string, string> = {};
  ended = false;
  constructor(private readonly full = false) {
    super();
  }
  status() {
    return this;
  }
  setHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  write(text: string) {
    this.body += text;
    return !this.full;
  }
  addTrailers(trailers: Record<string, string>) {
    this.trailers = trailers;
  }
  end() {
    this.ended = true;
  }
}

const encoder: ExportEncoder = { contentType: 'text/plain', extension: 'txt', header: 'h\n', encode: (rows) => rows.map((r) => `${r.event_id}\n`).join('') };
const row = (id: string) => ({ event_id: id }) as AuditEventRow;

describe('writeExport', () => {
  it('should write every batch and send the row count and the SHA-256 of the body as trailers', async () => {
    const response = new FakeResponse();
    async function* batches() {
      yield [row('a'), row('b')];
      yield [row('c')];
    }
    const summary = await writeExport(response as unknown as Response, batches(), encoder, 'f', new AbortController());
    expect(response.body).toBe('h\na\nb\nc\n');
    expect(response.headers.Trailer).toBe(`${EXPORT_TRAILERS.rowCount}, ${EXPORT_TRAILERS.sha256}`);
    expect(response.trailers).toEqual({ [EXPORT_TRAILERS.rowCount]: '3', [EXPORT_TRAILERS.sha256]: createHash('sha256').update(response.body).digest('hex') });
    expect(summary).toMatchObject({ rows: 3, aborted: false });
    expect(response.ended).toBe(true);
  });

  it('should write the footer after the rows from the body’s digest, and cover it in the trailer’s digest', async () => {
    const response = new FakeResponse();
    async function* batches() {
      yield [row('a'), row('b')];
    }
    const withFooter: ExportEncoder = { ...encoder, footer: async (body) => `rows=${body.rows} sha256=${body.sha256}\n` };
    await writeExport(response as unknown as Response, batches(), withFooter, 'f', new AbortController());
    const bodySha256 = createHash('sha256').update('h\na\nb\n').digest('hex');
    expect(response.body).toBe(`h\na\nb\nrows=2 sha256=${bodySha256}\n`);
    expect(response.trailers[EXPORT_TRAILERS.sha256]).toBe(createHash('sha256').update(response.body).digest('hex'));
  });

  it('should stop pulling batches, and send no trailers, once the client has gone', async () => {
    const response = new FakeResponse(true);
    const abort = new AbortController();
    let pulled = 0;
    async function* batches() {
      for (;;) {
        pulled += 1;
        yield [row(String(pulled))];
      }
    }
    const writing = writeExport(response as unknown as Response, batches(), encoder, 'f', abort);
    await new Promise((resolve) => setTimeout(resolve, 20));
    abort.abort();
    const summary = await writing;
    expect(summary.aborted).toBe(true);
    expect(pulled).toBe(1);
    expect(response.trailers).toEqual({});
    expect(response.ended).toBe(false);
  });
});
