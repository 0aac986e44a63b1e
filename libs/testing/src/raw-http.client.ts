import { connect, type Socket } from 'node:net';

/** One request written byte for byte on a socket of its own: the test controls the protocol line. */
export interface RawRequest {
  method: string;
  /** The request target as sent (percent-encode what is outside printable ASCII yourself). */
  path: string;
  version?: '1.0' | '1.1';
  /** Sent in this order, as given (repeats allowed); no Host is added unless listed. */
  headers?: Array<[string, string]>;
  body?: string | Buffer;
  /** Close the socket once this many bytes of the response arrived (a client that leaves mid-transfer). */
  abortAfterBytes?: number;
  /** Close the socket this long after sending, answered or not (a client that gives up mid-request). */
  abortAfterMs?: number;
  /** Stop reading for this long once the first bytes arrived, then read on (a client that stalls). */
  stallMs?: number;
  /** Give up waiting for the response after this long (the exchange then says `timedOut`). */
  timeoutMs?: number;
}

export interface RawResponse {
  /** 0 when no final response came before the connection ended. */
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  trailers: Record<string, string>;
  /** Interim responses seen before the final one (`100 Continue`). */
  interim: number[];
  /** The body ended as its framing says (length reached, last chunk, or close for a close-delimited body). */
  complete: boolean;
  /** The client closed early on purpose (abortAfterBytes, abortAfterMs). */
  abandoned: boolean;
  timedOut: boolean;
}

const CRLF = Buffer.from('\r\n');

function parseFields(lines: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    fields[name] = fields[name] === undefined ? value : `${fields[name]}, ${value}`;
  }
  return fields;
}

/**
 * Parses what a server sent for one request: interim 1xx responses, the final head, then the body by
 * its framing (chunked with trailers, Content-Length, or until close). Returns undefined while more
 * bytes are needed for a length- or chunk-framed body.
 */
export function parseRawResponse(data: Buffer, method: string, closed: boolean): Omit<RawResponse, 'abandoned' | 'timedOut'> | undefined {
  const interim: number[] = [];
  let at = 0;
  for (;;) {
    const end = data.indexOf('\r\n\r\n', at);
    if (end < 0) return closed ? { status: 0, headers: {}, body: Buffer.alloc(0), trailers: {}, interim, complete: false } : undefined;
    const [statusLine, ...lines] = data.subarray(at, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(statusLine)?.[1] ?? 0);
    at = end + 4;
    if (status >= 100 && status < 200) {
      interim.push(status);
      continue;
    }
    const headers = parseFields(lines);
    const rest = data.subarray(at);
    const bodyless = method === 'HEAD' || status === 204 || status === 304;
    if (bodyless) return { status, headers, body: Buffer.alloc(0), trailers: {}, interim, complete: true };
    if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const chunks: Buffer[] = [];
      let offset = 0;
      for (;;) {
        const lineEnd = rest.indexOf(CRLF, offset);
        if (lineEnd < 0) break;
        const size = parseInt(rest.subarray(offset, lineEnd).toString('latin1'), 16);
        if (Number.isNaN(size)) break;
        if (size === 0) {
          const trailerEnd = rest.indexOf('\r\n\r\n', lineEnd);
          const ended = rest.subarray(lineEnd, lineEnd + 2).equals(CRLF) && rest.length >= lineEnd + 4 && rest.subarray(lineEnd + 2, lineEnd + 4).equals(CRLF);
          if (ended) return { status, headers, body: Buffer.concat(chunks), trailers: {}, interim, complete: true };
          if (trailerEnd < 0) break;
          const trailers = parseFields(rest.subarray(lineEnd + 2, trailerEnd).toString('latin1').split('\r\n'));
          return { status, headers, body: Buffer.concat(chunks), trailers, interim, complete: true };
        }
        if (rest.length < lineEnd + 2 + size + 2) break;
        chunks.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
        offset = lineEnd + 2 + size + 2;
      }
      return closed ? { status, headers, body: Buffer.concat(chunks), trailers: {}, interim, complete: false } : undefined;
    }
    const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
    if (length !== undefined) {
      if (rest.length >= length) return { status, headers, body: rest.subarray(0, length), trailers: {}, interim, complete: true };
      return closed ? { status, headers, body: rest, trailers: {}, interim, complete: false } : undefined;
    }
    return closed ? { status, headers, body: rest, trailers: {}, interim, complete: true } : undefined;
  }
}

/** Sends one request on a fresh TCP connection and reads one response (see {@link RawRequest}). */
export function rawRequest(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  const head = [`${request.method} ${request.path} HTTP/${request.version ?? '1.1'}`, ...(request.headers ?? []).map(([name, value]) => `${name}: ${value}`)].join('\r\n');
  return new Promise((resolve) => {
    const socket: Socket = connect({ host: hostname, port: Number(port) });
    const received: Buffer[] = [];
    let size = 0;
    let settled = false;
    let abandoned = false;
    let stalled = false;
    let timedOut = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      const parsed = parseRawResponse(Buffer.concat(received), request.method, closed || abandoned || timedOut);
      if (!parsed) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...parsed, abandoned, timedOut });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      finish(true);
    }, request.timeoutMs ?? 30_000);
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      size += chunk.length;
      if (request.abortAfterBytes !== undefined && size >= request.abortAfterBytes) {
        abandoned = true;
        return finish(true);
      }
      if (request.stallMs !== undefined && !stalled) {
        stalled = true;
        // Stop reading: the kernel's buffers fill, and the server's writes stop draining.
        socket.pause();
        setTimeout(() => socket.resume(), request.stallMs);
      }
      finish(false);
    });
    if (request.abortAfterMs !== undefined) {
      setTimeout(() => {
        abandoned = true;
        finish(true);
      }, request.abortAfterMs);
    }
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    socket.write(Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body)]));
  });
}
