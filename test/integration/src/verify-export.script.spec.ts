import { buildVerifiedExport, exportTamperings, runExportVerifier, testSigningKey, type ExportTestColumns } from '@audit/testing';
import { publicKeyPem, signExpiryStatement, type ExportManifest, type SignedExpiryStatement } from '@audit/integrity';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(60_000);

/**
 * The auditor's offline verifier (scripts/verify-export.mjs) is a dependency-free copy of
 * libs/integrity's canonical form and link hash. These files are chained and signed by
 * libs/integrity; the script must verify every one of them, and fail every modification.
 */
const { key } = testSigningKey();
const { key: otherKey } = testSigningKey();

/** Text a stored row may hold (rows written before a contract change too): quotes, backslashes, non-BMP characters, U+2028. */
const text = fc.string({ unit: fc.constantFrom('a', 'Z', '"', '\\', '/', 'é', '€', '😀', '\u2028', '<', ' ', '0'), maxLength: 12 });
const columns = fc.record<ExportTestColumns>({
  event_id: fc.uuid(),
  actor_id: text,
  actor_type: fc.constantFrom('user', 'service', 'system'),
  actor_name: text,
  actor_email: text,
  actor_ip: text,
  actor_user_agent: text,
  action: fc.constantFrom('create', 'update', 'role.change'),
  resource_type: fc.constantFrom('Member', 'Patient'),
  resource_id: text,
  resource_name: text,
  status: fc.constantFrom('success', 'failure'),
  reason: text,
  request_id: text,
  session_id: text,
  changes: fc.json(),
  metadata: fc.json(),
  schema_version: fc.constant(1),
});

let dir: string;
let publicKeyFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'verify-export-'));
  publicKeyFile = join(dir, 'audit-public.pem');
  writeFileSync(publicKeyFile, publicKeyPem(key));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function verify(contents: string) {
  const file = join(dir, `export-${Math.random().toString(36).slice(2)}.ndjson`);
  writeFileSync(file, contents);
  return runExportVerifier(file, publicKeyFile);
}

describe('scripts/verify-export.mjs', () => {
  it('verifies rows chained by libs/integrity whatever text they hold (its canonical form matches canonicalEventJson)', async () => {
    const events = fc.sample(columns, { numRuns: 300, seed: 8 });
    const run = await verify(buildVerifiedExport({ 'org-a': events.slice(0, 200), org_b: events.slice(200) }, key, { unchained: 2 }));
    expect(run.stdout).toContain('VERIFIED');
    expect(run.stdout).toContain('304 rows (300 chained, 4 unchained), 2 organization(s)');
    expect(run.code).toBe(0);
  });

  describe('with one organization’s export', () => {
    const events = fc.sample(columns, { numRuns: 20, seed: 1 });
    const original = () => buildVerifiedExport({ org_a: events }, key);

    it('fails naming the row whose field was changed', async () => {
      const run = await verify(exportTamperings.changeField(original(), 4, 'action', 'delete'));
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/line 5 \(organization org_a, seq 5, .*hash mismatch/);
      expect(run.stdout).toMatch(/body SHA-256/);
    });

    it('fails when a line was removed', async () => {
      const run = await verify(exportTamperings.removeLine(original(), 7));
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/the file has 19 rows, the manifest says 20/);
    });

    it('fails when two lines were swapped', async () => {
      const run = await verify(exportTamperings.swapLines(original(), 2));
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/sequence 3 after 4 \(rows reordered or duplicated\)/);
    });

    /** The export with more filters in its manifest, signed again by the key: what the API writes for a filtered export. */
    const filteredBy = (text: string, filters: Record<string, string>) => exportTamperings.resignManifest(text, key, (manifest) => Object.assign(manifest.filters, filters));

    it('verifies rows that carry the manifest’s actorIp, an IPv6 address however it is written', async () => {
      const fromOneAddress = buildVerifiedExport({ org_a: events.map((event) => ({ ...event, actor_ip: '2001:db8:0:0:0:0:0:7' })) }, key);
      const run = await verify(filteredBy(fromOneAddress, { actorIp: '2001:db8::7' }));
      expect(run.stdout).toContain('VERIFIED');
      expect(run.code).toBe(0);
    });

    it('fails naming the row whose actor IP is not the manifest’s actorIp filter', async () => {
      const run = await verify(filteredBy(original(), { actorIp: '203.0.113.250' }));
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/line 1 .*actor_ip .* does not match the filter actorIp 203\.0\.113\.250/);
    });

    it('fails on a manifest filter it does not know, since it cannot check the rows against it', async () => {
      const run = await verify(filteredBy(original(), { tenantColor: 'blue' }));
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/manifest filter tenantColor is unknown to this verifier/);
    });

    it('fails when the manifest was changed', async () => {
      const run = await verify(exportTamperings.changeManifest(original(), (manifest) => (manifest.filters = { from: '2026-01-01T00:00:00.000Z', to: '2026-06-01T00:00:00.000Z' })));
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/manifest signature does not verify/);
    });

    it('fails when a forger recomputed every hash and the body digest but could not sign', async () => {
      const forged = buildVerifiedExport({ org_a: events.map((event, index) => (index === 3 ? { ...event, status: 'success', reason: '' } : event)) }, otherKey);
      const run = await verify(forged);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/manifest names key .*, the public key given is/);
    });

    it('fails when the manifest line is missing', async () => {
      const run = await verify(exportTamperings.removeLine(original(), 20));
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/the last line is not a manifest/);
    });
  });

  describe('with an export across an expiry (links 1…5 expired)', () => {
    const events = fc.sample(columns, { numRuns: 20, seed: 2 });
    const original = () => buildVerifiedExport({ org_a: events }, key, { retentionDays: 1, expiredThrough: 5 });
    const statementOf = (manifest: ExportManifest) => manifest.organizations[0].expiry as SignedExpiryStatement;

    it('verifies: the statement’s signature checks out and the first row chains from the hash it signed', async () => {
      const run = await verify(original());
      expect(run.stdout).toContain('15 rows (15 chained, 0 unchained)');
      expect(run.stdout).toMatch(/note: organization org_a: links 1…5 expired by .*; its chain is checked from link 6/);
      expect(run.stdout).toContain('VERIFIED');
      expect(run.code).toBe(0);
    });

    it('fails when the statement was altered, even in a manifest signed again', async () => {
      const run = await verify(exportTamperings.resignManifest(original(), key, (manifest) => (statementOf(manifest).chainSeq = 6)));
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/the expiry statement of links 1…6 is not valid: its signature does not verify/);
    });

    it('fails when the statement was signed by another key', async () => {
      const run = await verify(
        exportTamperings.resignManifest(original(), key, (manifest) => {
          const statement = statementOf(manifest);
          manifest.organizations[0].expiry = signExpiryStatement(otherKey, 'org_a', { seq: statement.chainSeq, hash: statement.chainHash }, Date.parse(statement.expiredAt));
        }),
      );
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/is not valid: it is signed by key/);
    });

    it('fails when the first row does not chain from the hash the statement signed', async () => {
      const run = await verify(
        exportTamperings.resignManifest(original(), key, (manifest) => {
          const statement = statementOf(manifest);
          manifest.organizations[0].expiry = signExpiryStatement(key, 'org_a', { seq: 5, hash: 'ab'.repeat(32) }, Date.parse(statement.expiredAt), new Date(statement.signedAt));
        }),
      );
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/line 1 \(organization org_a, seq 6, .*does not chain from the expiry statement/);
    });

    it('fails when the first retained row was removed', async () => {
      const run = await verify(exportTamperings.removeLine(original(), 0));
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/firstSeq is 7 in the file, 6 in the manifest/);
    });
  });

  it('exits 2 without a readable public key', async () => {
    const run = await runExportVerifier(join(dir, 'missing.ndjson'), join(dir, 'missing.pem'));
    expect(run.code).toBe(2);
  });
});
