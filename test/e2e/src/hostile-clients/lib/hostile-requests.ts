import type { RawRequest, RawResponse } from '@audit/testing';
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';

export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export const VERSIONS = ['1.0', '1.1'] as const;

/** Names every object inherits from Object.prototype: a query parameter of that name is still unknown. */
export const INHERITED_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupSetter__'];

/** Text of a body parser, a stack trace or the engine: none of it may reach a client. */
const LEAKED_TEXT = /Unexpected (token|end)|in JSON at position|is not valid JSON|incorrect header check|zlib|DB::Exception|ClickHouse|chdb|at [\w.<>]+ \(|\.[jt]s:\d+|ERR_[A-Z_]{4,}/i;

/** A JSON body of about `bytes` bytes. */
export const jsonBody = (bytes: number) => JSON.stringify({ filler: 'a'.repeat(Math.max(0, bytes - 14)) });

/** One body a careless or hostile client sends, with the headers that describe it. */
export interface BodyVariant {
  name: string;
  headers: Array<[string, string]>;
  body?: Buffer | string;
}

export const BODIES: BodyVariant[] = [
  { name: 'none', headers: [] },
  { name: 'small JSON', headers: [['Content-Type', 'application/json']], body: '{"a":1}' },
  { name: '120 KB JSON', headers: [['Content-Type', 'application/json']], body: jsonBody(120_000) },
  { name: 'malformed JSON', headers: [['Content-Type', 'application/json']], body: '{"a":' },
  { name: 'bogus Content-Encoding', headers: [['Content-Type', 'application/json'], ['Content-Encoding', 'bogus']], body: '{}' },
  { name: 'gzip that is not gzip', headers: [['Content-Type', 'application/json'], ['Content-Encoding', 'gzip']], body: 'not gzip at all' },
  { name: 'gzip bomb', headers: [['Content-Type', 'application/json'], ['Content-Encoding', 'gzip']], body: gzipSync(`{"a":"${'a'.repeat(20_000_000)}"}`) },
  { name: 'unknown charset', headers: [['Content-Type', 'application/json; charset=klingon']], body: '{}' },
  { name: 'urlencoded', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: 'a=1&b[c]=2&__proto__[x]=1' },
  { name: 'chunked', headers: [['Content-Type', 'application/json'], ['Transfer-Encoding', 'chunked']], body: '7\r\n{"a":1}\r\n0\r\n\r\n' },
  { name: 'binary', headers: [['Content-Type', 'application/octet-stream']], body: Buffer.from([0, 255, 1, 254, 13, 10, 0]) },
];

/** Request heads a proxy, a scanner or a broken client sends. */
export const ODD_HEADERS: Array<{ name: string; headers: Array<[string, string]>; body?: string }> = [
  { name: 'Expect: 100-continue', headers: [['Expect', '100-continue'], ['Content-Type', 'application/json'], ['Content-Length', '7']], body: '{"a":1}' },
  { name: 'Expect: something else', headers: [['Expect', 'teapot']] },
  { name: 'Transfer-Encoding and Content-Length', headers: [['Transfer-Encoding', 'chunked'], ['Content-Length', '5']], body: '0\r\n\r\n' },
  { name: 'two Content-Length values', headers: [['Content-Length', '1'], ['Content-Length', '2']], body: 'ab' },
  { name: 'a negative Content-Length', headers: [['Content-Length', '-1']] },
  { name: 'a Content-Length longer than the body', headers: [['Content-Type', 'application/json'], ['Content-Length', '100']], body: '{}' },
  { name: 'a 20 KB header', headers: [['X-Filler', 'a'.repeat(20_000)]] },
  { name: 'a 200 KB cookie', headers: [['Cookie', `c=${'a'.repeat(200_000)}`]] },
  { name: '500 headers', headers: Array.from({ length: 500 }, (_, index): [string, string] => [`X-H${index}`, 'v']) },
  { name: 'an Authorization of 8 KB', headers: [['Authorization', `Bearer ${'a'.repeat(8_000)}`]] },
  { name: 'two Authorization headers', headers: [['Authorization', 'Bearer a'], ['Authorization', 'Bearer b']] },
  { name: 'Accept-Encoding of everything', headers: [['Accept-Encoding', 'gzip, br, zstd, deflate, *;q=0.1']] },
  { name: 'Range', headers: [['Range', 'bytes=0-10,20-30']] },
  { name: 'If-None-Match', headers: [['If-None-Match', '*']] },
  { name: 'X-Forwarded-For garbage', headers: [['X-Forwarded-For', '999.1.1.1, , ;']] },
  { name: 'Connection: Upgrade', headers: [['Connection', 'Upgrade'], ['Upgrade', 'websocket']] },
  { name: 'X-HTTP-Method-Override', headers: [['X-HTTP-Method-Override', 'DELETE']] },
  { name: 'TE: trailers, chunked', headers: [['TE', 'trailers, chunked']] },
];

/** The head of a request with a Host (HTTP/1.1 requires it) and `Connection: close`, plus extra headers. */
export function request(method: string, path: string, version: '1.0' | '1.1', bearer: string | undefined, extra: Array<[string, string]> = [], body?: Buffer | string): RawRequest {
  const headers: Array<[string, string]> = [['Host', '127.0.0.1'], ['Connection', 'close'], ...(bearer ? [['Authorization', `Bearer ${bearer}`] as [string, string]] : []), ...extra];
  const framed = body !== undefined && !extra.some(([name]) => /^(content-length|transfer-encoding)$/i.test(name));
  return { method, path, version, headers: framed ? [...headers, ['Content-Length', String(Buffer.byteLength(body))]] : headers, body, timeoutMs: 30_000 };
}

/**
 * What Node's HTTP server answers by itself, with an empty body, before a request reaches the app:
 * a request it cannot parse (400), one not received within the request timeout (408), an `Expect`
 * other than 100-continue (417), a head over its size limit (431).
 */
const NODE_ANSWERS = new Set([400, 408, 417, 431]);

/**
 * A final response under 500. An error is the API's `{ statusCode, code, message }` without any
 * parser, engine or stack text, or one of Node's own empty answers ({@link NODE_ANSWERS}).
 */
export function serverFault(response: RawResponse, method: string): string | undefined {
  if (response.timedOut) return 'no answer in time';
  if (response.status === 0) return 'the connection ended without a response';
  if (response.status >= 500) return `HTTP ${response.status} ${response.body.toString('utf8').slice(0, 300)}`;
  if (response.status < 400 || method === 'HEAD') return undefined;
  const text = response.body.toString('utf8');
  if (LEAKED_TEXT.test(text)) return `internal text in an error body: ${text.slice(0, 300)}`;
  if (text === '' && NODE_ANSWERS.has(response.status)) return undefined;
  try {
    const body = JSON.parse(text) as { statusCode?: unknown; code?: unknown; message?: unknown };
    if (body.statusCode !== response.status || typeof body.code !== 'string' || typeof body.message !== 'string') return `error body without its shape: ${text.slice(0, 300)}`;
  } catch {
    return `error body that is not JSON: ${text.slice(0, 300)}`;
  }
  return undefined;
}

/** One request of the whole space: route, method, protocol, credential, headers, body, client behaviour. */
export interface HostileCase {
  route: number;
  method: (typeof METHODS)[number];
  version: (typeof VERSIONS)[number];
  credential: 'none' | 'valid' | 'garbage' | 'member';
  query: string;
  odd: number[];
  body: number;
  client: { kind: 'reads' } | { kind: 'aborts'; afterBytes: number };
}

const queryArb = fc.oneof(
  fc.constant(''),
  fc.constantFrom('?format=csv', '?format=ndjson', '?format=ndjson&verified=true', '?limit=1000', '?from=2026-13-01', '?limit=1e309', '?status[]=x', '?a[b][c]=1'),
  fc.constantFrom(...INHERITED_NAMES).map((name) => `?${encodeURIComponent(name)}=x`),
  fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 60 }).map((text) => `?${text}`),
);

export const hostileCaseArb = (routes: number): fc.Arbitrary<HostileCase> =>
  fc.record({
    route: fc.nat({ max: routes - 1 }),
    method: fc.constantFrom(...METHODS),
    version: fc.constantFrom(...VERSIONS),
    credential: fc.constantFrom('none', 'valid', 'valid', 'garbage', 'member'),
    query: queryArb,
    odd: fc.subarray(ODD_HEADERS.map((_, index) => index), { maxLength: 2 }),
    body: fc.nat({ max: BODIES.length - 1 }),
    client: fc.oneof({ arbitrary: fc.constant({ kind: 'reads' as const }), weight: 4 }, { arbitrary: fc.integer({ min: 1, max: 4_000 }).map((afterBytes) => ({ kind: 'aborts' as const, afterBytes })), weight: 1 }),
  });
