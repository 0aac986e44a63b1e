/** What a server answered to one request, as far as it got. */
export interface ParsedResponse {
  /** 0 when no final response came before the connection ended. */
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Body bytes received (also when the body itself was not kept). */
  bodyBytes: number;
  trailers: Record<string, string>;
  /** Interim responses seen before the final one (`100 Continue`). */
  interim: number[];
  /** The body ended as its framing says (length reached, last chunk, or close for a close-delimited body). */
  complete: boolean;
}

function parseFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    fields[name] = fields[name] === undefined ? value : `${fields[name]}, ${value}`;
  }
  return fields;
}

type Framing =
  | { kind: 'head' }
  | { kind: 'length'; left: number }
  | { kind: 'chunk-size' }
  | { kind: 'chunk-data'; left: number }
  | { kind: 'chunk-end' }
  | { kind: 'trailers' }
  | { kind: 'close' }
  | { kind: 'done' };

/**
 * Reads one HTTP/1.x response incrementally, in time linear in its size (a multi-megabyte export
 * arrives in thousands of reads): interim 1xx responses, the final head, then the body by its
 * framing — chunked with trailers, Content-Length, or until the connection closes.
 */
export class RawResponseReader {
  private pending: Buffer = Buffer.alloc(0);
  private framing: Framing = { kind: 'head' };
  private readonly parts: Buffer[] = [];
  private readonly response: ParsedResponse = { status: 0, headers: {}, body: Buffer.alloc(0), bodyBytes: 0, trailers: {}, interim: [], complete: false };

  constructor(
    private readonly method: string,
    private readonly keepBody = true,
  ) {}

  /** The final response's head arrived (interim 1xx heads do not count). */
  get answered(): boolean {
    return this.response.status !== 0;
  }

  get done(): boolean {
    return this.framing.kind === 'done';
  }

  feed(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.step());
  }

  /** The response as it stands; `closed`: the connection ended (a close-delimited body is then complete). */
  result(closed: boolean): ParsedResponse {
    if (closed && this.framing.kind === 'close') this.framing = { kind: 'done' };
    return { ...this.response, body: Buffer.concat(this.parts), complete: this.framing.kind === 'done' && this.response.status !== 0 };
  }

  private body(bytes: Buffer): void {
    this.response.bodyBytes += bytes.length;
    if (this.keepBody) this.parts.push(bytes);
  }

  /** Parses what it can; false when it needs more bytes. */
  private step(): boolean {
    const framing = this.framing;
    switch (framing.kind) {
      case 'head': {
        const end = this.pending.indexOf('\r\n\r\n');
        if (end < 0) return false;
        const head = this.pending.subarray(0, end).toString('latin1');
        this.pending = this.pending.subarray(end + 4);
        const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(head)?.[1] ?? 0);
        if (status >= 100 && status < 200) {
          this.response.interim.push(status);
          return true;
        }
        const headers = parseFields(head.slice(head.indexOf('\r\n') + 2));
        Object.assign(this.response, { status, headers });
        const length = headers['content-length'];
        if (this.method === 'HEAD' || status === 204 || status === 304) this.framing = { kind: 'done' };
        else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) this.framing = { kind: 'chunk-size' };
        else if (length !== undefined) this.framing = Number(length) > 0 ? { kind: 'length', left: Number(length) } : { kind: 'done' };
        else this.framing = { kind: 'close' };
        return true;
      }
      case 'length':
      case 'chunk-data': {
        if (this.pending.length === 0) return false;
        const take = this.pending.subarray(0, framing.left);
        this.pending = this.pending.subarray(take.length);
        this.body(take);
        const left = framing.left - take.length;
        if (left > 0) this.framing = { ...framing, left };
        else this.framing = framing.kind === 'length' ? { kind: 'done' } : { kind: 'chunk-end' };
        return true;
      }
      case 'chunk-end': {
        // A chunk's data is followed by CRLF.
        if (this.pending.length < 2) return false;
        this.pending = this.pending.subarray(2);
        this.framing = { kind: 'chunk-size' };
        return true;
      }
      case 'chunk-size': {
        const end = this.pending.indexOf('\r\n');
        if (end < 0) return false;
        const size = parseInt(this.pending.subarray(0, end).toString('latin1'), 16);
        this.pending = this.pending.subarray(end + 2);
        this.framing = Number.isNaN(size) ? { kind: 'close' } : size === 0 ? { kind: 'trailers' } : { kind: 'chunk-data', left: size };
        return true;
      }
      case 'trailers': {
        if (this.pending.subarray(0, 2).toString('latin1') === '\r\n') {
          this.pending = this.pending.subarray(2);
          this.framing = { kind: 'done' };
          return true;
        }
        const end = this.pending.indexOf('\r\n\r\n');
        if (end < 0) return false;
        this.response.trailers = parseFields(this.pending.subarray(0, end).toString('latin1'));
        this.pending = this.pending.subarray(end + 4);
        this.framing = { kind: 'done' };
        return true;
      }
      case 'close':
        if (this.pending.length === 0) return false;
        this.body(this.pending);
        this.pending = Buffer.alloc(0);
        return false;
      case 'done':
        return false;
    }
  }
}
