import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';

/**
 * Values a hostile or careless client sends as filters: SQL fragments, ClickHouse parameter
 * syntax, LIKE wildcards, backslash escapes, quotes, unicode that normalizes or reorders. The
 * tests seed rows whose actor or resource id is literally one of these, so a filter on one must
 * return exactly those rows and nothing else.
 */
export const SQL_LOOKING_VALUES = [
  "x' OR 1=1 --",
  "') OR ('1'='1",
  '1; DROP TABLE audit_events',
  "' UNION SELECT name FROM system.tables --",
  "admin'--",
  "' OR ''='",
  '" OR ""="',
  '{actor:String}',
  '{resourceId:String} OR 1',
  '%',
  '_',
  '%admin%',
  "o\\'brien",
  'back\\slash',
  '\\N',
  'tab\\there',
  'NULL',
  '*',
  '`event_id`',
  '/* comment */ 1',
  "1' AND sleep(3) --",
  "' || version() || '",
  '$$; SELECT 1; $$',
  'Zoë',
  '名前',
  '🙂 emoji',
  '\u202eevil',
  'zero\u200bwidth',
  ' leading space',
  'trailing space ',
] as const;

/** What ClickHouse (server or chDB) puts into its errors; no response body may carry it. */
export const CLICKHOUSE_ERROR_TEXT = /DB::Exception|Code: \d+\.|SYNTAX_ERROR|UNKNOWN_(TABLE|IDENTIFIER|SETTING)|CANNOT_PARSE|TYPE_MISMATCH|BAD_ARGUMENTS|Stack trace|e\.what\(\)/;

/** Internals an error body must not name either (a 200 body may: seeded values do). */
export const INTERNAL_NAMES = /ClickHouse|chdb|audit_events|\bat [\w.<>]+ \(|\.[jt]s:\d+/i;

export const KNOWN_PARAMETERS = ['resourceType', 'action', 'actor', 'resourceId', 'actorIp', 'status', 'from', 'to', 'limit', 'cursor', 'organizationId', 'format', 'verified', 'q', 'by', 'interval'] as const;

export interface RawResponse {
  status: number;
  text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/**
 * GET with the path sent byte for byte (fetch would normalize or refuse it). Callers percent-encode
 * what is outside printable ASCII: Node's own parser answers a raw byte above 0x7f with an empty 400.
 */
export function rawGet(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export function closeRawAgent(): void {
  agent.destroy();
}

const UNRESERVED = /[A-Za-z0-9\-_.~]/;

/** Percent-encodes the UTF-8 bytes of `text` (a lone surrogate becomes U+FFFD, as a browser sends it). */
function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += byte < 0x80 && UNRESERVED.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Printable ASCII raw (quotes, braces, backslashes…; not the query's own delimiters), the rest encoded. */
function asciiRaw(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    out += code >= 0x21 && code <= 0x7e && !'&#=%+'.includes(char) ? char : percentEncode(char);
  }
  return out;
}

const BROKEN_ESCAPES = ['%', '%G1', '%zz', '%C0%AF', '%FF', '%E2%82', '%00', '%0A', '%0D%0A', '%2', '%u0041'];

export type Encoding = 'component' | 'raw' | 'double' | 'plus' | { broken: string; at: number };

export const encodingArb: fc.Arbitrary<Encoding> = fc.oneof(
  fc.constantFrom<Encoding>('component', 'raw', 'double', 'plus'),
  fc.record({ broken: fc.constantFrom(...BROKEN_ESCAPES), at: fc.nat() }),
);

export function encodePart(text: string, encoding: Encoding): string {
  if (encoding === 'component') return percentEncode(text);
  if (encoding === 'raw') return asciiRaw(text);
  if (encoding === 'double') return percentEncode(percentEncode(text));
  if (encoding === 'plus') return percentEncode(text).replace(/%20/g, '+');
  const encoded = percentEncode(text);
  const at = encoded.length === 0 ? 0 : encoding.at % (encoded.length + 1);
  return `${encoded.slice(0, at)}${encoding.broken}${encoded.slice(at)}`;
}

const DAY_MS = 86_400_000;
const isoDate = (millis: number) => new Date(millis).toISOString();

/** Dates at and past every edge: year 0 and 9999, ClickHouse's DateTime64 range, impossible calendar days, odd zones. */
export const dateValueArb = fc.oneof(
  fc.date({ min: new Date(-62_167_219_200_000), max: new Date(253_402_300_799_999), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.integer({ min: -400, max: 400 }).map((days) => isoDate(Date.now() + days * DAY_MS)),
  fc.integer({ min: -120, max: 2 }).map((hours) => isoDate(Date.now() + hours * 3_600_000)),
  fc.constantFrom(
    '0000-01-01',
    '0001-01-01T00:00:00Z',
    '1899-12-31T23:59:59Z',
    '1900-01-01T00:00:00Z',
    '1969-12-31T23:59:59.999Z',
    '2106-02-07T06:28:16Z',
    '2262-04-11T23:47:16Z',
    '2299-12-31T23:59:59.999Z',
    '2300-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999Z',
    '9999-12-31T23:00:00-05:00',
    '9999-12-31',
    '+275760-09-13T00:00:00Z',
    '2026-02-30',
    '2026-13-01',
    '2026-01-01T24:00:00Z',
    '2026-01-01T00:00:00+14:00',
    '2026-01-01T00:00:00-23:59',
    '2026-01-01T00:00:00.123456789Z',
    '2026-W01-1',
    '2026-001',
    '20260101T000000Z',
  ),
);

const numberValueArb = fc.oneof(
  fc.integer().map(String),
  fc.double().map(String),
  fc.constantFrom('0', '-1', '1', '50', '1000', '1001', '1e3', '1e309', '0x10', 'NaN', 'Infinity', '1.5', ' 5', '5 ', '00050', '9'.repeat(400), '-0', '+5'),
);

/** Any value a query parameter might carry. */
export const parameterValueArb: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...SQL_LOOKING_VALUES), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 2 },
  { arbitrary: dateValueArb, weight: 3 },
  { arbitrary: numberValueArb, weight: 2 },
  { arbitrary: fc.constantFrom('success', 'failure', 'Member', 'Patient', 'create', 'role.change', 'csv', 'ndjson', 'org_a', 'user_1', ''), weight: 3 },
  // Past each field's limit, and past Node's 16 KiB request-head limit (431, not a 5xx).
  { arbitrary: fc.integer({ min: 200, max: 20_000 }).map((n) => 'a'.repeat(n)), weight: 1 },
);

export const parameterNameArb: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...KNOWN_PARAMETERS), weight: 8 },
  {
    arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'limit[]', 'actor[0]', 'resourceType[]', 'a[b]', '', ' ', 'LIMIT', 'Actor', 'organization_id'),
    weight: 2,
  },
  // Parameter names are echoed in the 400's message ("x is not a parameter"): keep internals' words out of them.
  { arbitrary: fc.string({ maxLength: 20 }).filter((name) => !CLICKHOUSE_ERROR_TEXT.test(name) && !INTERNAL_NAMES.test(name)), weight: 1 },
);

export interface QueryPart {
  name: string;
  value: string;
  nameEncoding: Encoding;
  valueEncoding: Encoding;
}

export const queryPartsArb: fc.Arbitrary<QueryPart[]> = fc.array(
  fc.record({ name: parameterNameArb, value: parameterValueArb, nameEncoding: encodingArb, valueEncoding: encodingArb }),
  { maxLength: 8 },
);

export function queryString(parts: QueryPart[]): string {
  return parts.map((part) => `${encodePart(part.name, part.nameEncoding)}=${encodePart(part.value, part.valueEncoding)}`).join('&');
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** A JWT assembled by hand, so header, claims and signature can each be wrong on purpose. */
export function assembleJwt(header: Record<string, unknown>, claims: Record<string, unknown>, sign: (signingInput: string) => string): string {
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  return `${signingInput}.${sign(signingInput)}`;
}

export const hmacSigner = (algorithm: 'sha256' | 'sha384' | 'sha512', secret: string) => (input: string) =>
  createHmac(algorithm, secret).update(input).digest('base64url');
