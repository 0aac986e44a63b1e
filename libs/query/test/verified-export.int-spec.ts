import { makeAuditEvent, type AuditEvent } from '@audit/contract';
import { AuditExpiryRepository } from '@audit/clickhouse';
import { DAY_MS, keyIdOf, loadPublicKey, publicKeyPem, signExpiryStatement, type ChainState } from '@audit/integrity';
import { exportTamperings, runExportVerifier, storeChain, testSigningKey, uniqueName } from '@audit/testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getJson, startQueryTestApp, token, type QueryTestApp } from './query-test-app';

jest.setTimeout(180_000);

const { pem: SIGNING_KEY, key } = testSigningKey();
const PUBLIC_KEY = publicKeyPem(key);
const FROM = '2026-03-01T00:00:00.000Z';
const TO = '2026-04-01T00:00:00.000Z';
const WINDOW = `from=${FROM}&to=${TO}`;

/** Events of one organization, one a minute from March 1st, with text a canonical form must survive. */
function events(organizationId: string, count: number, start = 0): AuditEvent[] {
  return Array.from({ length: count }, (_, i) =>
    makeAuditEvent({
      organizationId,
      occurredAt: new Date(Date.parse(FROM) + (start + i) * 60_000).toISOString(),
      action: i % 3 === 0 ? 'role.change' : 'update',
      resource: { type: 'Member', id: `member_${i}`, name: i % 7 === 0 ? 'Zoë "Z" Ünal, \u2028 😀' : 'Grace Hopper' },
      ...(i % 5 === 0 && { changes: [{ field: 'role', before: 'member', after: 'admin' }], metadata: { reason: 'promotion', level: 2, sso: true } }),
    }),
  );
}

describe('verified export (GET /v1/audit-logs/export?format=ndjson&verified=true)', () => {
  const orgA = uniqueName('org_va');
  const orgB = uniqueName('org_vb');
  const orgShort = uniqueName('org_short');
  let api: QueryTestApp;
  let dir: string;
  let publicKeyFile: string;
  const heads = new Map<string, ChainState>();

  /** Stores events as the ingester does (libs/testing's storeChain), continuing the organization's chain. */
  async function storeChained(batch: AuditEvent[]): Promise<void> {
    const chain = await storeChain(api.clickhouse, api.database, batch, { after: heads.get(batch[0].organizationId) });
    heads.set(chain.organizationId, chain.head);
  }

  async function download(path: string, role: 'owner' | 'security' = 'owner', organizationId = orgA): Promise<{ status: number; text: string; file: string }> {
    const response = await fetch(`${api.baseUrl}${path}`, { headers: { authorization: `Bearer ${await token(organizationId, role)}` } });
    const text = await response.text();
    const file = join(dir, `${uniqueName('export')}.ndjson`);
    writeFileSync(file, text);
    return { status: response.status, text, file };
  }

  async function verify(text: string) {
    const file = join(dir, `${uniqueName('tampered')}.ndjson`);
    writeFileSync(file, text);
    return runExportVerifier(file, publicKeyFile);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'verified-export-'));
    publicKeyFile = join(dir, 'audit-public.pem');
    api = await startQueryTestApp({
      AUDIT_CHAIN_SIGNING_KEY: SIGNING_KEY,
      AUDIT_RETENTION_OVERRIDES: `${orgShort}=365`,
      // Small batches: the export crosses several keyset queries.
      QUERY_EXPORT_BATCH_ROWS: '100',
    });
    // Rows stored before the chain existed (chain_seq 0), then two chained blocks per organization.
    await api.insert(events(orgA, 3, 1000));
    await storeChained(events(orgA, 150));
    await storeChained(events(orgB, 40));
    const later = events(orgA, 100, 150);
    // A re-sent copy of an event (same id and time) is a link of its own; it must not look like a hole.
    await storeChained([...later, later[10]]);
  });

  afterAll(async () => {
    await api?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves the public key that verifies the manifests, named by its key id', async () => {
    const response = await fetch(`${api.baseUrl}/v1/audit-logs/public-key`, { headers: { authorization: `Bearer ${await token(orgA, 'admin')}` } });
    expect(response.status).toBe(200);
    const pem = await response.text();
    writeFileSync(publicKeyFile, pem);
    expect(pem).toBe(PUBLIC_KEY);
    expect(response.headers.get('x-audit-key-id')).toBe(keyIdOf(loadPublicKey(pem)));
  });

  it('exports every link in chain order with a signed manifest that the offline script verifies', async () => {
    const { status, text, file } = await download(`/v1/audit-logs/export?format=ndjson&verified=true&${WINDOW}`);
    expect(status).toBe(200);
    const lines = text.trimEnd().split('\n');
    const rows = lines.slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows).toHaveLength(254);
    expect(rows.slice(0, 3).every((row) => row.chain_seq === 0 && row.unchained === true)).toBe(true);
    expect(rows.slice(3).map((row) => row.chain_seq)).toEqual(Array.from({ length: 251 }, (_, i) => i + 1));
    const { manifest } = JSON.parse(lines.at(-1)!) as { manifest: Record<string, unknown> };
    expect(manifest).toMatchObject({
      organization: orgA,
      rowCount: 254,
      filters: { from: FROM, to: TO },
      organizations: [{ organizationId: orgA, rows: 254, unchainedRows: 3, firstSeq: 1, lastSeq: 251, head: { seq: 251, hash: heads.get(orgA)!.hash } }],
    });
    const run = await runExportVerifier(file, publicKeyFile);
    expect(run.stdout).toContain('VERIFIED');
    expect(run.stdout).toContain('254 rows (251 chained, 3 unchained)');
    expect(run.code).toBe(0);
  });

  describe('a modified file fails offline verification', () => {
    let original: string;

    beforeAll(async () => {
      original = (await download(`/v1/audit-logs/export?format=ndjson&verified=true&${WINDOW}`)).text;
    });

    it('when one field of one event was changed', async () => {
      const run = await verify(exportTamperings.changeField(original, 20, 'actor_email', 'someone.else@acme.test'));
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/line 21 \(organization org_va_\w+, seq 18, event [0-9a-f-]+\): hash mismatch/);
    });

    it('when one line was removed', async () => {
      const run = await verify(exportTamperings.removeLine(original, 50));
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/the file has 253 rows, the manifest says 254/);
    });

    it('when two lines were swapped', async () => {
      const run = await verify(exportTamperings.swapLines(original, 100));
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/sequence 98 after 99 \(rows reordered or duplicated\)/);
    });

    it('when the manifest was changed', async () => {
      const run = await verify(exportTamperings.changeManifest(original, (manifest) => (manifest.rowCount = 250)));
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/manifest signature does not verify/);
    });
  });

  it('verifies offline an export across an expiry: its manifest carries the signed statement and the first row chains from it', async () => {
    const orgE = uniqueName('org_ve');
    const batch = events(orgE, 20);
    const recorded = Date.now() - 3 * DAY_MS;
    const expired = await storeChain(api.clickhouse, api.database, batch.slice(0, 10), { retention: { clock: recorded, days: 1 } });
    await storeChain(api.clickhouse, api.database, batch.slice(10), { after: expired.head, retention: { clock: Date.now(), days: 1 } });
    const statement = signExpiryStatement(key, orgE, expired.head, expired.head.expiresAt);
    await new AuditExpiryRepository(api.clickhouse.client, api.database).insert([statement]);
    // The TTL's part once the statement is stored.
    await api.clickhouse.client.command({
      query: `ALTER TABLE ${api.database}.audit_events DELETE WHERE organization_id = {org:String} AND chain_seq <= 10 SETTINGS mutations_sync = 2`,
      query_params: { org: orgE },
    });

    const { text, file } = await download(`/v1/audit-logs/export?format=ndjson&verified=true&${WINDOW}`, 'owner', orgE);
    const run = await runExportVerifier(file, publicKeyFile);

    const { manifest } = JSON.parse(text.trimEnd().split('\n').at(-1)!) as { manifest: { organizations: unknown[] } };
    expect(manifest.organizations).toEqual([expect.objectContaining({ firstSeq: 11, lastSeq: 20, expiry: statement })]);
    expect(run.stdout).toMatch(/note: organization org_ve_\w+: links 1…10 expired by .*; its chain is checked from link 11/);
    expect(run.stdout).toContain('VERIFIED');
    expect(run.code).toBe(0);
  });

  it('verifies a filtered export, noting the sequence numbers the filter left out', async () => {
    const { status, file } = await download(`/v1/audit-logs/export?format=ndjson&verified=true&action=role.change&${WINDOW}`);
    expect(status).toBe(200);
    const run = await runExportVerifier(file, publicKeyFile);
    expect(run.stdout).toMatch(/note: \d+ sequence numbers between the first and last row/);
    expect(run.code).toBe(0);
  });

  it('verifies a cross-organization export of the security role, one manifest entry per organization', async () => {
    const { status, text, file } = await download(`/v1/audit-logs/export?format=ndjson&verified=true&${WINDOW}`, 'security', 'org_security');
    expect(status).toBe(200);
    const { manifest } = JSON.parse(text.trimEnd().split('\n').at(-1)!) as { manifest: { organization: string; organizations: Array<{ organizationId: string }> } };
    expect(manifest.organization).toBe('*');
    expect(manifest.organizations.map((entry) => entry.organizationId)).toEqual(expect.arrayContaining([orgA, orgB]));
    const run = await runExportVerifier(file, publicKeyFile);
    expect(run.code).toBe(0);
  });

  it('exports a link stored twice (a replayed block not yet merged) once', async () => {
    const orgD = uniqueName('org_vd');
    const block = events(orgD, 30);
    const table = `${api.database}.audit_events`;
    // Merges stopped, so both copies are stored rows when the export reads them.
    await api.clickhouse.client.command({ query: `SYSTEM STOP MERGES ${table}` });
    try {
      await storeChain(api.clickhouse, api.database, block);
      await storeChain(api.clickhouse, api.database, block);
      const stored = await api.clickhouse.client.query({ query: `SELECT count() AS rows FROM ${table} WHERE organization_id = {org:String}`, query_params: { org: orgD }, format: 'JSONEachRow' });
      expect((await stored.json<{ rows: string | number }>()).map((row) => Number(row.rows))).toEqual([60]);
      const { text, file } = await download(`/v1/audit-logs/export?format=ndjson&verified=true&${WINDOW}`, 'owner', orgD);
      expect(text.trimEnd().split('\n')).toHaveLength(31);
      expect((await runExportVerifier(file, publicKeyFile)).code).toBe(0);
    } finally {
      await api.clickhouse.client.command({ query: `SYSTEM START MERGES ${table}` });
    }
  });

  it('catches an event altered in storage before the export, although the manifest is genuine', async () => {
    const orgC = uniqueName('org_vc');
    await storeChained(events(orgC, 10));
    // What someone with write access to ClickHouse could do; no code path of the project can.
    await api.clickhouse.client.command({
      query: `ALTER TABLE ${api.database}.audit_events UPDATE resource_name = 'edited after hashing' WHERE organization_id = {org:String} AND chain_seq = 4
              SETTINGS mutations_sync = 2`,
      query_params: { org: orgC },
    });
    const { file } = await download(`/v1/audit-logs/export?format=ndjson&verified=true&${WINDOW}`, 'owner', orgC);
    const run = await runExportVerifier(file, publicKeyFile);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/line 4 \(organization org_vc_\w+, seq 4, .*hash mismatch/);
    expect(run.stdout).not.toMatch(/signature/);
  });

  it('refuses a verified CSV export with a 400 naming the parameter', async () => {
    const response = await getJson(api.baseUrl, `/v1/audit-logs/export?format=csv&verified=true&${WINDOW}`, await token(orgA, 'owner'));
    expect(response).toMatchObject({ status: 400, body: { code: 'invalid_parameter', field: 'verified', rule: 'ndjsonOnly' } });
  });

  it('refuses a verified flag that is not true or false', async () => {
    const response = await getJson(api.baseUrl, `/v1/audit-logs/export?format=ndjson&verified=yes`, await token(orgA, 'owner'));
    expect(response).toMatchObject({ status: 400, body: { field: 'verified', rule: 'isBoolean' } });
  });
});

describe('GET /v1/audit-logs/retention', () => {
  const org = uniqueName('org_ret');
  const orgShort = uniqueName('org_short');
  let api: QueryTestApp;

  beforeAll(async () => {
    api = await startQueryTestApp({ AUDIT_RETENTION_OVERRIDES: `${orgShort}=365` });
    await api.insert([makeAuditEvent({ organizationId: org, occurredAt: '2026-02-01T10:00:00.000Z' }), makeAuditEvent({ organizationId: org, occurredAt: '2026-05-01T10:00:00.000Z' })]);
  });

  afterAll(async () => {
    await api?.close();
  });

  it('shows the six-year default, when it started to drop events, the oldest event still stored, and that nothing has expired or is held', async () => {
    const before = Date.now();
    const { status, body } = await getJson<Record<string, unknown>>(api.baseUrl, '/v1/audit-logs/retention', await token(org, 'owner'));
    expect(status).toBe(200);
    expect(body).toMatchObject({
      organizationId: org,
      retentionDays: 2192,
      source: 'default',
      defaultRetentionDays: 2192,
      oldestEventAt: '2026-02-01T10:00:00.000Z',
      oldestEventRetentionDays: 2192,
      expiredThrough: null,
      activeHolds: [],
    });
    const keptSince = Date.parse(body.keptSince as string);
    expect(Math.abs(keptSince - (before - 2192 * 86_400_000))).toBeLessThan(60_000);
  });

  it('shows an organization’s shorter override, and null for an organization without events', async () => {
    const { body } = await getJson(api.baseUrl, '/v1/audit-logs/retention', await token(orgShort, 'admin'));
    expect(body).toMatchObject({ organizationId: orgShort, retentionDays: 365, source: 'override', defaultRetentionDays: 2192, oldestEventAt: null });
  });

  it('lets the security role name the organization, and requires it', async () => {
    expect(await getJson(api.baseUrl, `/v1/audit-logs/retention?organizationId=${orgShort}`, await token('org_sec', 'security'))).toMatchObject({ status: 200, body: { retentionDays: 365 } });
    expect(await getJson(api.baseUrl, '/v1/audit-logs/retention', await token('org_sec', 'security'))).toMatchObject({ status: 400, body: { field: 'organizationId', rule: 'required' } });
  });

  it('does not let an owner read another organization’s retention', async () => {
    expect(await getJson(api.baseUrl, `/v1/audit-logs/retention?organizationId=${orgShort}`, await token(org, 'owner'))).toMatchObject({ status: 403, body: { field: 'organizationId' } });
  });

  it('answers 503 for the public key when no signing key is configured', async () => {
    expect(await getJson(api.baseUrl, '/v1/audit-logs/public-key', await token(org, 'owner'))).toMatchObject({ status: 503, body: { code: 'signing_key_missing' } });
  });
});
