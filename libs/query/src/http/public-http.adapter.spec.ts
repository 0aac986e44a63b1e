import type { Request, Response } from 'express';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PublicHttpAdapter } from './public-http.adapter';

describe('PublicHttpAdapter', () => {
  const root = mkdtempSync(join(tmpdir(), 'public-http-'));
  writeFileSync(join(root, 'app.0123abcd.js'), 'console.log(1);');
  const adapter = new PublicHttpAdapter(5_000);
  const app = adapter.getInstance<import('express').Express>();
  app.get('/v1/page', (_request: Request, response: Response) => void response.type('application/json').send('{"data":[]}'));
  app.get('/assets/app.js', (_request: Request, response: Response) => response.sendFile('app.0123abcd.js', { root }));
  let base = '';

  beforeAll(async () => {
    adapter.initHttpServer({});
    const server = adapter.getHttpServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => adapter.close());

  it('should answer API JSON without an ETag (no hash of every page) and with the default headers', async () => {
    const response = await fetch(`${base}/v1/page`);
    expect(await response.text()).toBe('{"data":[]}');
    expect(response.headers.get('etag')).toBeNull();
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it("should keep the ETag of files it sends, such as the console's hashed assets", async () => {
    const response = await fetch(`${base}/assets/app.js`);
    expect(await response.text()).toBe('console.log(1);');
    expect(response.headers.get('etag')).toMatch(/^W\/"/);
  });
});
