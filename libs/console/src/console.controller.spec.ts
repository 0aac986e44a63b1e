import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleConfig } from './console.config';
import { ConsoleModule } from './console.module';

async function serve(assetsDir: string): Promise<{ app: INestApplication; url: string }> {
  const config = Object.assign(new ConsoleConfig(), { CONSOLE_ASSETS_DIR: assetsDir });
  const moduleRef = await Test.createTestingModule({ imports: [ConsoleModule.forRoot(config)] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}

describe('ConsoleModule', () => {
  const built = mkdtempSync(join(tmpdir(), 'audit-console-'));
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    mkdirSync(join(built, 'assets'));
    writeFileSync(join(built, 'index.html'), '<!doctype html><title>Auditing</title>');
    writeFileSync(join(built, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(built, 'secret.txt'), 'not an asset');
    ({ app, url } = await serve(built));
  });

  afterAll(async () => {
    await app?.close();
    rmSync(built, { recursive: true, force: true });
  });

  it('should serve the page at /audit with a content security policy and no caching', async () => {
    for (const path of ['/audit', '/audit/']) {
      const response = await fetch(`${url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/text\/html/);
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await response.text()).toContain('<title>Auditing</title>');
    }
  });

  it('should serve hashed assets with a long immutable cache lifetime', async () => {
    const response = await fetch(`${url}/audit/assets/index-abc123.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await response.text()).toBe('console.log(1)');
  });

  it('should answer 404 for a missing asset', async () => {
    const response = await fetch(`${url}/audit/assets/missing.js`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ statusCode: 404, code: 'not_found', message: 'no console file named missing.js' });
  });

  it('should not serve files outside the assets folder through an encoded path', async () => {
    const response = await fetch(`${url}/audit/assets/..%2Fsecret.txt`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('not an asset');
  });

  it('should answer 503 naming the build command when the page was never built', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'audit-console-empty-'));
    const unbuilt = await serve(empty);
    try {
      const response = await fetch(`${unbuilt.url}/audit`);
      expect(response.status).toBe(503);
      const body = (await response.json()) as { code: string; message: string };
      expect(body.code).toBe('console_not_built');
      expect(body.message).toContain('node scripts/build.mjs');
    } finally {
      await unbuilt.app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
