import { connect } from 'node:net';
import { RawResponseReader, type ParsedResponse } from './raw-response.reader';

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
  /** Close the socket once the final response's head arrived, after any `100 Continue` (a client that leaves an open stream). */
  abortOnceAnswered?: boolean;
  /** Close the socket this long after sending, answered or not (a client that gives up mid-request). */
  abortAfterMs?: number;
  /** Stop reading for this long once the first bytes arrived, then read on (a client that stalls). */
  stallMs?: number;
  /** Give up waiting for the response after this long (the exchange then says `timedOut`). */
  timeoutMs?: number;
  /** Count the body's bytes without keeping them (a large export read only to load the server). */
  discardBody?: boolean;
}

export interface RawResponse extends ParsedResponse {
  /** The client closed early on purpose (abortAfterBytes, abortAfterMs). */
  abandoned: boolean;
  timedOut: boolean;
}

/** Sends one request on a fresh TCP connection and reads one response (see {@link RawRequest}). */
export function rawRequest(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  const head = [`${request.method} ${request.path} HTTP/${request.version ?? '1.1'}`, ...(request.headers ?? []).map(([name, value]) => `${name}: ${value}`)].join('\r\n');
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const reader = new RawResponseReader(request.method, !request.discardBody);
    const timers: NodeJS.Timeout[] = [];
    let received = 0;
    let settled = false;
    let abandoned = false;
    let stalled = false;
    let timedOut = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      socket.destroy();
      resolve({ ...reader.result(!abandoned && !timedOut), abandoned, timedOut });
    };
    const giveUp = (reason: 'abandoned' | 'timedOut') => () => {
      if (reason === 'abandoned') abandoned = true;
      else timedOut = true;
      finish();
    };
    timers.push(setTimeout(giveUp('timedOut'), request.timeoutMs ?? 30_000));
    if (request.abortAfterMs !== undefined) timers.push(setTimeout(giveUp('abandoned'), request.abortAfterMs));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      reader.feed(chunk);
      if (reader.done) return finish();
      if (request.abortAfterBytes !== undefined && received >= request.abortAfterBytes) return giveUp('abandoned')();
      if (request.abortOnceAnswered && reader.answered) return giveUp('abandoned')();
      if (request.stallMs !== undefined && !stalled) {
        stalled = true;
        // Stop reading: the kernel's buffers fill, and the server's writes stop draining.
        socket.pause();
        timers.push(setTimeout(() => socket.resume(), request.stallMs));
      }
    });
    socket.on('error', finish);
    socket.on('close', finish);
    socket.write(Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body)]));
  });
}
