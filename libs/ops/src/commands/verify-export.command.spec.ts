import { publicKeyPem } from '@audit/integrity';
import { buildVerifiedExport, exportTamperings, exportTestColumns, testSigningKey } from '@audit/testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureIo } from '../../test/capture.io';
import { runCli } from '../cli';

jest.setTimeout(30_000);

describe('audit verify-export', () => {
  const { key } = testSigningKey();
  let dir: string;
  let publicKey: string;
  let original: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-cli-verify-export-'));
    publicKey = join(dir, 'audit-public.pem');
    writeFileSync(publicKey, publicKeyPem(key));
    original = buildVerifiedExport({ org_a: Array.from({ length: 5 }, (_, index) => exportTestColumns(index)) }, key);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function file(contents: string): string {
    const path = join(dir, `${Math.random().toString(36).slice(2)}.ndjson`);
    writeFileSync(path, contents);
    return path;
  }

  it('should exit 0 and say VERIFIED for an untouched export', async () => {
    const io = captureIo();
    expect(await runCli(['verify-export', file(original), '--public-key', publicKey], io.io)).toBe(0);
    expect(io.stdout()).toContain('VERIFIED');
  });

  it('should exit 1 naming what failed for a modified export', async () => {
    const io = captureIo();
    expect(await runCli(['verify-export', file(exportTamperings.removeLine(original, 2)), '--public-key', publicKey], io.io)).toBe(1);
    expect(io.stdout()).toContain('the file has 4 rows, the manifest says 5');
  });

  it('should exit 2 without the public key', async () => {
    const io = captureIo();
    expect(await runCli(['verify-export', file(original)], io.io)).toBe(2);
    expect(io.stderr()).toContain('Usage');
  });
});
