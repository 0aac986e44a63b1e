import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureIo } from '../../test/capture.io';
import { runCli } from '../cli';

/** A stand-in for the query API's export endpoint: the CLI's HTTP client is what is under test. */
type Handler = (request: IncomingMessage, response: ServerResponse) => void;

describe('audit export', () => {
  let server: Server;
  let handler: Handler;
  let url: string;
  let dir: string;
  const requests: IncomingMessage[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests.push(request);
      handler(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), 'audit-cli-export-'));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  function exportBody(body: string, trailers: Record<string, string> = {}): Handler {
    return (_request, response) => {
      response.setHeader('Content-Type', 'application/x-ndjson');
      response.setHeader('Trailer', Object.keys(trailers).join(', '));
      response.write(body.slice(0, 10));
      response.write(body.slice(10));
      response.addTrailers(trailers);
      response.end();
    };
  }

  it('should send the filters and the token, write the file and report the row count', async () => {
    const body = '{"id":"1"}\n{"id":"2"}\n{"id":"3"}\n';
    const sha256 = createHash('sha256').update(body).digest('hex');
    handler = exportBody(body, { 'X-Audit-Row-Count': '3', 'X-Audit-Content-SHA256': sha256 });
    const out = join(dir, 'three.ndjson');
    const io = captureIo({ AUDIT_API_URL: url, AUDIT_API_TOKEN: 'token-123' });

    const code = await runCli(['export', '--out', out, '--resource-type', 'Member', '--resource-type', 'Session', '--action', 'invite', '--from', '2026-01-01T00:00:00Z'], io.io);

    expect(code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(body);
    expect(io.stdout()).toContain(`exported 3 rows (ndjson, sha256 ${sha256}) to ${out}`);
    expect(io.stderr()).toContain('3 rows');
    const request = requests[requests.length - 1];
    expect(request.headers.authorization).toBe('Bearer token-123');
    const query = new URL(request.url ?? '', url).searchParams;
    expect(query.getAll('resourceType')).toEqual(['Member', 'Session']);
    expect(Object.fromEntries([...query].filter(([name]) => name !== 'resourceType'))).toEqual({ format: 'ndjson', action: 'invite', from: '2026-01-01T00:00:00Z' });
  });

  it('should send a search as q', async () => {
    const body = '{"id":"1"}\n';
    handler = exportBody(body, { 'X-Audit-Row-Count': '1', 'X-Audit-Content-SHA256': createHash('sha256').update(body).digest('hex') });
    const io = captureIo({ AUDIT_API_URL: url, AUDIT_API_TOKEN: 't' });

    expect(await runCli(['export', '--out', join(dir, 'searched.ndjson'), '--q', 'actor:alice@x.com -status:success ip:10.0.0.0/8'], io.io)).toBe(0);

    expect(new URL(requests[requests.length - 1].url ?? '', url).searchParams.get('q')).toBe('actor:alice@x.com -status:success ip:10.0.0.0/8');
  });

  it('should refuse a search with a syntax error before asking the API, pointing at the offset', async () => {
    const before = requests.length;
    const io = captureIo({ AUDIT_API_URL: url, AUDIT_API_TOKEN: 't' });

    expect(await runCli(['export', '--out', join(dir, 'never.ndjson'), '--q', 'action:view colour:red'], io.io)).toBe(2);

    expect(io.stderr()).toContain('--q q: at 12, unknown key "colour"');
    expect(io.stderr()).toContain('  action:view colour:red\n              ^');
    expect(requests.length).toBe(before);
  });

  it('should ask for a verified export and count its manifest line out of the rows', async () => {
    const body = '{"chain_seq":1}\n{"chain_seq":2}\n{"manifest":{},"signature":"x"}\n';
    handler = exportBody(body, { 'X-Audit-Row-Count': '2', 'X-Audit-Content-SHA256': createHash('sha256').update(body).digest('hex') });
    const out = join(dir, 'verified.ndjson');
    const io = captureIo({ AUDIT_API_URL: url, AUDIT_API_TOKEN: 't' });

    expect(await runCli(['export', '--out', out, '--verified'], io.io)).toBe(0);

    expect(new URL(requests[requests.length - 1].url ?? '', url).searchParams.get('verified')).toBe('true');
    expect(io.stdout()).toContain(`exported 2 rows (verified ndjson`);
    expect(readFileSync(out, 'utf8')).toBe(body);
  });

  it('should refuse a verified CSV export', async () => {
    const io = captureIo({ AUDIT_API_URL: url, AUDIT_API_TOKEN: 't' });
    expect(await runCli(['export', '--out', join(dir, 'v.csv'), '--format', 'csv', '--verified'], io.io)).toBe(2);
    expect(io.stderr()).toContain('--verified exports are NDJSON');
  });

  it('should not leave a file when the row count the API reports differs from what arrived', async () => {
    handler = exportBody('{"id":"1"}\n', { 'X-Audit-Row-Count': '2' });
    const out = join(dir, 'short.ndjson');
    const io = captureIo({ AUDIT_API_URL: url, AUDIT_API_TOKEN: 't' });

    expect(await runCli(['export', '--out', out], io.io)).toBe(1);

    expect(io.stderr()).toContain('the API sent 2 rows');
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it('should not leave a file when the API never confirmed the end of the export', async () => {
    handler = exportBody('{"id":"1"}\n');
    const out = join(dir, 'unconfirmed.ndjson');
    const io = captureIo({ AUDIT_API_URL: url, AUDIT_API_TOKEN: 't' });

    expect(await runCli(['export', '--out', out], io.io)).toBe(1);

    expect(io.stderr()).toContain('did not confirm the end');
    expect(existsSync(out)).toBe(false);
  });

  it('should print the API error code and field on a refused export', async () => {
    handler = (_request, response) => {
      response.writeHead(400, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ statusCode: 400, code: 'invalid_query', field: 'from', message: 'from must be an ISO-8601 date' }));
    };
    const io = captureIo({ AUDIT_API_URL: url, AUDIT_API_TOKEN: 't' });

    expect(await runCli(['export', '--out', join(dir, 'bad.ndjson'), '--from', 'yesterday'], io.io)).toBe(1);

    expect(io.stderr()).toContain('export failed: HTTP 400 invalid_query: field from: from must be an ISO-8601 date');
  });

  it('should refuse to run without a token or an output file', async () => {
    const noToken = captureIo({ AUDIT_API_URL: url });
    expect(await runCli(['export', '--out', join(dir, 'x.ndjson')], noToken.io)).toBe(2);
    expect(noToken.stderr()).toContain('a bearer token is required');

    const noOut = captureIo({ AUDIT_API_URL: url, AUDIT_API_TOKEN: 't' });
    expect(await runCli(['export'], noOut.io)).toBe(2);
    expect(noOut.stderr()).toContain('--out <file> is required');
  });
});
