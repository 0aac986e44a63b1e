import { canonicalEventJson, type ChainHead, type StoredLink } from './event-chain';
import type { SignedExpiryStatement } from './expiry-statement';
import { signMessage, verifyMessage, type SigningKey } from './signing';
import type { KeyObject } from 'node:crypto';

/**
 * A verified export is NDJSON: one line per event, then one manifest line.
 *
 * - Event line: the event's canonical JSON (exactly the bytes its chain hash covers, see
 *   `canonicalEventJson`) with `chain_prev_hash` and `chain_hash` appended as the last two keys.
 *   Rows stored before the chain existed (`chain_seq` 0) end with `"unchained":true` instead and
 *   are counted, not verified.
 * - Manifest line (last): `{"manifest":{…},"signature":"<base64 Ed25519>"}`. The signature covers
 *   `MANIFEST_SIGNING_PREFIX + canonicalJson(manifest)`; the prefix keeps a manifest signature
 *   from ever being mistaken for a checkpoint signature made with the same key.
 *
 * `scripts/verify-export.mjs` checks such a file offline with nothing but Node and the public key.
 */
export const VERIFIED_EXPORT_FORMAT = 'audit-pipeline.verified-export.v1';
export const MANIFEST_SIGNING_PREFIX = 'audit-pipeline verified-export manifest v1\n';

export interface ManifestOrganization {
  organizationId: string;
  /** Lines of this organization in the file (chained and unchained). */
  rows: number;
  unchainedRows: number;
  /** Smallest and largest chain sequence among the chained rows; null when there are none. */
  firstSeq: number | null;
  lastSeq: number | null;
  /** The organization's chain head (audit_chain_heads) read after the last row; null: no chain yet. */
  head: ChainHead | null;
  /**
   * The organization's newest expiry statement at export time (links 1…chainSeq expired), signed on
   * its own: the row at chainSeq + 1, when exported, must chain from its chainHash. Null: none.
   */
  expiry: SignedExpiryStatement | null;
}

export interface ExportManifest {
  format: typeof VERIFIED_EXPORT_FORMAT;
  createdAt: string;
  /** The organization the export was limited to; `*` for a cross-organization (security) export. */
  organization: string;
  /** The filters as applied: the resolved window (ISO-8601, [from, to)) and every other filter given. */
  filters: ExportFilters;
  rowCount: number;
  /** Hex SHA-256 of every byte before the manifest line. */
  bodySha256: string;
  organizations: ManifestOrganization[];
  /** Names the signing key (first 16 hex digits of SHA-256 over its SPKI DER: `keyIdOf`). */
  keyId: string;
}

export interface ExportFilters {
  from: string;
  to: string;
  resourceType?: string[];
  action?: string[];
  actor?: string;
  resourceId?: string;
  actorIp?: string;
  status?: string;
}

export interface SignedManifest {
  manifest: ExportManifest;
  signature: string;
}

/**
 * JSON with every object's keys sorted (JavaScript's default string order) and no whitespace:
 * the signed form of a manifest, which any JSON library can reproduce.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** One event line of a verified export (without the newline). */
export function verifiedExportLine(row: StoredLink): string {
  const seq = Number(row.chain_seq);
  const canonical = canonicalEventJson(row, seq).slice(0, -1);
  if (seq === 0) return `${canonical},"chain_prev_hash":"","chain_hash":"","unchained":true}`;
  return `${canonical},"chain_prev_hash":${JSON.stringify(row.chain_prev_hash)},"chain_hash":${JSON.stringify(row.chain_hash)}}`;
}

export function signManifest(key: SigningKey, manifest: ExportManifest): SignedManifest {
  if (manifest.keyId !== key.keyId) throw new Error(`manifest names key ${manifest.keyId} but is signed with ${key.keyId}`);
  return { manifest, signature: signMessage(key, MANIFEST_SIGNING_PREFIX + canonicalJson(manifest)) };
}

export function verifyManifest(publicKey: KeyObject, signed: SignedManifest): boolean {
  return verifyMessage(publicKey, MANIFEST_SIGNING_PREFIX + canonicalJson(signed.manifest), signed.signature);
}

/**
 * Counts an export's rows per organization as they stream (rows arrive grouped by organization,
 * each in chain order), then builds the manifest once the body's hash and the heads are known.
 */
export class ExportManifestBuilder {
  private readonly organizations = new Map<string, ManifestOrganization>();
  private rowCount = 0;

  add(row: Pick<StoredLink, 'organization_id' | 'chain_seq'>): void {
    this.rowCount += 1;
    let entry = this.organizations.get(row.organization_id);
    if (!entry) {
      entry = { organizationId: row.organization_id, rows: 0, unchainedRows: 0, firstSeq: null, lastSeq: null, head: null, expiry: null };
      this.organizations.set(row.organization_id, entry);
    }
    entry.rows += 1;
    const seq = Number(row.chain_seq);
    if (seq === 0) {
      entry.unchainedRows += 1;
      return;
    }
    entry.firstSeq = entry.firstSeq === null ? seq : Math.min(entry.firstSeq, seq);
    entry.lastSeq = entry.lastSeq === null ? seq : Math.max(entry.lastSeq, seq);
  }

  organizationIds(): string[] {
    return [...this.organizations.keys()];
  }

  build(details: {
    createdAt: string;
    organization: string;
    filters: ExportFilters;
    bodySha256: string;
    keyId: string;
    heads: ReadonlyMap<string, ChainHead>;
    expiries: ReadonlyMap<string, SignedExpiryStatement>;
  }): ExportManifest {
    return {
      format: VERIFIED_EXPORT_FORMAT,
      createdAt: details.createdAt,
      organization: details.organization,
      filters: details.filters,
      rowCount: this.rowCount,
      bodySha256: details.bodySha256,
      organizations: [...this.organizations.values()].map((entry) => {
        const head = details.heads.get(entry.organizationId);
        return { ...entry, head: head ? { seq: head.seq, hash: head.hash } : null, expiry: details.expiries.get(entry.organizationId) ?? null };
      }),
      keyId: details.keyId,
    };
  }
}
