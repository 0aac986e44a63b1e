import type { Response } from 'express';
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { ExportBatch, ExportFraming } from './export.format';
import { EXPORT_TRAILERS, writeExport, type ExportCut, type ExportLimits } from './export.writer';

/** A socket whose idle timer fires for real, as a socket's does when no byte leaves. */
class FakeSocket extends EventEmitter {
  private timer: NodeJS.Timeout | undefined;
  setTimeout(ms: number, onIdle?: () => void) {
    clearTimeout(this.timer);
    if (onIdle) this.once('timeout', onIdle);
    if (ms > 0) this.timer = setTimeout(() => this.emit('timeout'), ms);
  }
}

const generous: ExportLimits = { stallTimeoutMs: 60_000, maxDurationMs: 60_000 };

/** The part of an express Response the writer uses; `write` reports a full buffer when asked to. */
class FakeResponse extends EventEmitter {
  body = '';
  headers: Record<string, string> = {};
  trailers: Record<string, string> = {};
  ended = false;
  destroyed = false;
  readonly socket = new FakeSocket();
  readonly req: { method: string; httpVersionMajor: number; httpVersionMinor: number };
  constructor(
    private readonly full = false,
    request: { method?: string; httpVersion?: '1.0' | '1.1' } = {},
  ) {
    super();
    this.req = { method: request.method ?? 'GET', httpVersionMajor: 1, httpVersionMinor: request.httpVersion === '1.0' ? 0 : 1 };
  }
  status() {
    return this;
  }
  setHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  write(text: string | Uint8Array) {
    this.body += typeof text === 'string' ? text : Buffer.from(text).toString('utf8');
    return !this.full;
  }
  addTrailers(trailers: Record<string, string>) {
    this.trailers = trailers;
  }
  end() {
    this.ended = true;
  }
  destroy() {
    this.destroyed = true;
  }
}

const framing: ExportFraming = { contentType: 'text/plain', extension: 'txt', header: 'h\n' };
/** A batch of one-line rows, as text (a verified export's encoder gives strings) or as bytes (ClickHouse's text). */
const batch = (ids: string[], as: 'string' | 'bytes' = 'string'): ExportBatch => {
  const text = ids.map((id) => `${id}\n`).join('');
  return { rows: ids.length, text: as === 'bytes' ? Buffer.from(text) : text };
};

describe('writeExport', () => {
  it('should write every batch, text or bytes, and send the row count and the SHA-256 of the body as trailers', async () => {
    const response = new FakeResponse();
    async function* batches() {
      yield batch(['a', 'b'], 'bytes');
      yield batch(['c']);
    }
    const summary = await writeExport(response as unknown as Response, batches(), framing, 'f', new AbortController(), generous);
    expect(response.body).toBe('h\na\nb\nc\n');
    expect(response.headers.Trailer).toBe(`${EXPORT_TRAILERS.rowCount}, ${EXPORT_TRAILERS.sha256}`);
    expect(response.trailers).toEqual({ [EXPORT_TRAILERS.rowCount]: '3', [EXPORT_TRAILERS.sha256]: createHash('sha256').update(response.body).digest('hex') });
    expect(summary).toMatchObject({ rows: 3, aborted: false });
    expect(response.ended).toBe(true);
  });

  it('should write the footer after the rows from the body’s digest, and cover it in the trailer’s digest', async () => {
    const response = new FakeResponse();
    async function* batches() {
      yield batch(['a', 'b'], 'bytes');
    }
    const withFooter: ExportFraming = { ...framing, footer: async (body) => `rows=${body.rows} sha256=${body.sha256}\n` };
    await writeExport(response as unknown as Response, batches(), withFooter, 'f', new AbortController(), generous);
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
        yield batch([String(pulled)]);
      }
    }
    const writing = writeExport(response as unknown as Response, batches(), framing, 'f', abort, generous);
    await new Promise((resolve) => setTimeout(resolve, 20));
    abort.abort();
    const summary = await writing;
    expect(summary.aborted).toBe(true);
    expect(pulled).toBe(1);
    expect(response.trailers).toEqual({});
    expect(response.ended).toBe(false);
  });

  it('should send the same body to an HTTP/1.0 client without declaring or sending trailers (Node refuses them there)', async () => {
    const response = new FakeResponse(false, { httpVersion: '1.0' });
    async function* batches() {
      yield batch(['a', 'b']);
    }
    await writeExport(response as unknown as Response, batches(), framing, 'f', new AbortController(), generous);
    expect({ body: response.body, trailerHeader: response.headers.Trailer, trailers: response.trailers, ended: response.ended }).toEqual({
      body: 'h\na\nb\n',
      trailerHeader: undefined,
      trailers: {},
      ended: true,
    });
  });

  it('should answer HEAD with the headers alone, without declaring trailers or reading a batch', async () => {
    const response = new FakeResponse(false, { method: 'HEAD' });
    let pulled = 0;
    async function* batches() {
      pulled += 1;
      yield batch(['a']);
    }
    await writeExport(response as unknown as Response, batches(), framing, 'f', new AbortController(), generous);
    expect({ pulled, body: response.body, trailerHeader: response.headers.Trailer, type: response.headers['Content-Type'], ended: response.ended }).toEqual({
      pulled: 0,
      body: '',
      trailerHeader: undefined,
      type: 'text/plain',
      ended: true,
    });
  });

  it('should cut an export whose client takes no byte for the stall timeout, and stop reading', async () => {
    const response = new FakeResponse(true);
    const abort = new AbortController();
    const cuts: ExportCut[] = [];
    let pulled = 0;
    async function* batches() {
      for (;;) {
        pulled += 1;
        yield batch([String(pulled)]);
      }
    }
    const summary = await writeExport(response as unknown as Response, batches(), framing, 'f', abort, { stallTimeoutMs: 20, maxDurationMs: 60_000, onCut: (reason) => cuts.push(reason) });
    expect({ summary: summary.aborted, cuts, destroyed: response.destroyed, ended: response.ended, trailers: response.trailers, pulled }).toEqual({
      summary: true,
      cuts: ['stalled'],
      destroyed: true,
      ended: false,
      trailers: {},
      pulled: expect.any(Number),
    });
    expect(pulled).toBeLessThanOrEqual(1);
  });

  it('should cut an export that runs past its longest duration, even while its client keeps up', async () => {
    const response = new FakeResponse();
    const abort = new AbortController();
    const cuts: ExportCut[] = [];
    async function* batches() {
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        yield batch(['a']);
      }
    }
    const summary = await writeExport(response as unknown as Response, batches(), framing, 'f', abort, { stallTimeoutMs: 60_000, maxDurationMs: 40, onCut: (reason) => cuts.push(reason) });
    expect({ aborted: summary.aborted, cuts, destroyed: response.destroyed, signal: abort.signal.aborted }).toEqual({ aborted: true, cuts: ['too_long'], destroyed: true, signal: true });
  });
});
