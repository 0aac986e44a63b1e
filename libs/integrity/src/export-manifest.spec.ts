import { generateKeyPairSync } from 'node:crypto';
import { chainedColumns } from '../testing';
import { appendLink, canonicalEventJson, GENESIS } from './event-chain';
import { signExpiryStatement } from './expiry-statement';
import { canonicalJson, ExportManifestBuilder, MANIFEST_SIGNING_PREFIX, signManifest, verifiedExportLine, verifyManifest } from './export-manifest';
import { loadSigningKey, verifyMessage } from './signing';

const key = loadSigningKey(generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());

const columns = chainedColumns(1, {
  event_id: '0195AAAA-0000-7000-8000-000000000001',
  occurred_at: '2026-03-01 10:00:00.000',
  actor_name: 'Zoë "Z"',
  changes: '[{"field":"role","before":"member","after":"admin"}]',
});

describe('canonicalJson', () => {
  it('sorts every object’s keys, keeps array order and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: [{ d: null, c: 'x' }, 2], u: undefined })).toBe('{"a":[{"c":"x","d":null},2],"b":1}');
  });
});

describe('verifiedExportLine', () => {
  it('starts with exactly the canonical JSON the chain hashed, then the link', () => {
    const link = appendLink(GENESIS, columns);
    const line = verifiedExportLine({ ...columns, chain_seq: 1, chain_prev_hash: link.prevHash, chain_hash: link.head.hash });
    expect(line.startsWith(link.canonicalJson.slice(0, -1))).toBe(true);
    expect(JSON.parse(line)).toMatchObject({ chain_seq: 1, chain_prev_hash: GENESIS.hash, chain_hash: link.head.hash });
  });

  it('marks a row stored before the chain as unchained', () => {
    const line = verifiedExportLine({ ...columns, chain_seq: 0, chain_prev_hash: '', chain_hash: '' });
    expect(line).toBe(`${canonicalEventJson(columns, 0).slice(0, -1)},"chain_prev_hash":"","chain_hash":"","unchained":true}`);
  });
});

describe('ExportManifestBuilder', () => {
  it('counts rows, unchained rows and the sequence range per organization, with its head and newest expiry statement', () => {
    const expiry = signExpiryStatement(key, 'org_a', { seq: 2, hash: 'ef'.repeat(32) }, Date.parse('2026-11-01T00:00:00.000Z'));
    const builder = new ExportManifestBuilder();
    for (const [organization_id, chain_seq] of [['org_a', 0], ['org_a', 3], ['org_a', 4], ['org_b', 9]] as const) builder.add({ organization_id, chain_seq });
    const manifest = builder.build({
      createdAt: '2026-11-25T21:00:00.000Z',
      organization: '*',
      filters: { from: '2026-01-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' },
      bodySha256: 'ab'.repeat(32),
      keyId: key.keyId,
      heads: new Map([['org_a', { seq: 10, hash: 'cd'.repeat(32) }]]),
      expiries: new Map([['org_a', expiry]]),
    });
    expect(manifest.rowCount).toBe(4);
    expect(manifest.organizations).toEqual([
      { organizationId: 'org_a', rows: 3, unchainedRows: 1, firstSeq: 3, lastSeq: 4, head: { seq: 10, hash: 'cd'.repeat(32) }, expiry },
      { organizationId: 'org_b', rows: 1, unchainedRows: 0, firstSeq: 9, lastSeq: 9, head: null, expiry: null },
    ]);
  });
});

describe('signManifest', () => {
  const manifest = new ExportManifestBuilder().build({
    createdAt: '2026-11-25T21:00:00.000Z',
    organization: 'org_a',
    filters: { from: '2026-01-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', action: ['update'] },
    bodySha256: 'ab'.repeat(32),
    keyId: key.keyId,
    heads: new Map(),
    expiries: new Map(),
  });

  it('signs the documented form: the prefix and the manifest with sorted keys', () => {
    const signed = signManifest(key, manifest);
    expect(verifyMessage(key.publicKey, MANIFEST_SIGNING_PREFIX + canonicalJson(manifest), signed.signature)).toBe(true);
    expect(verifyManifest(key.publicKey, signed)).toBe(true);
  });

  it('does not verify a manifest changed after signing', () => {
    const signed = signManifest(key, manifest);
    expect(verifyManifest(key.publicKey, { ...signed, manifest: { ...manifest, rowCount: 1 } })).toBe(false);
  });

  it('refuses to sign a manifest that names another key', () => {
    expect(() => signManifest(key, { ...manifest, keyId: 'ffffffffffffffff' })).toThrow(/names key ffffffffffffffff/);
  });
});
