import {
  appendLink,
  DAY_MS,
  ExportManifestBuilder,
  GENESIS,
  signExpiryStatement,
  signManifest,
  verifiedExportLine,
  type ChainedColumns,
  type ChainHead,
  type ExportManifest,
  type SignedExpiryStatement,
  type SigningKey,
  type StoredLink,
} from '@audit/integrity';
import { chainedColumns } from '@audit/integrity/testing';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { repoRoot } from './repo-root';

export interface VerifierRun {
  /** 0 verified, 1 verification failed, 2 usage error. */
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the auditor's offline verifier (`node scripts/verify-export.mjs FILE --public-key KEY`) as a child process. */
export function runExportVerifier(file: string, publicKeyFile: string, extraArgs: string[] = []): Promise<VerifierRun> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(repoRoot(), 'scripts', 'verify-export.mjs'), file, '--public-key', publicKeyFile, ...extraArgs], (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

/** The lines of an NDJSON export (the manifest is the last). */
function lines(text: string): string[] {
  return text.replace(/\n$/, '').split('\n');
}

function joined(items: string[]): string {
  return `${items.join('\n')}\n`;
}

function rewriteManifest(text: string, change: (manifest: Record<string, unknown>) => void, sign?: (manifest: Record<string, unknown>) => string): string {
  const items = lines(text);
  const signed = JSON.parse(items[items.length - 1]) as { manifest: Record<string, unknown>; signature: string };
  change(signed.manifest);
  if (sign) signed.signature = sign(signed.manifest);
  items[items.length - 1] = JSON.stringify(signed);
  return joined(items);
}

/** What an adversary might do to an exported file; each must make the verifier fail. */
export const exportTamperings = {
  /** Sets one field of the row on line `index` (0-based) to `value`, keeping the line's shape. */
  changeField(text: string, index: number, field: string, value: string): string {
    const items = lines(text);
    items[index] = JSON.stringify({ ...JSON.parse(items[index]), [field]: value });
    return joined(items);
  },
  removeLine(text: string, index: number): string {
    const items = lines(text);
    items.splice(index, 1);
    return joined(items);
  },
  /** Swaps the rows on lines `index` and `index + 1`. */
  swapLines(text: string, index: number): string {
    const items = lines(text);
    [items[index], items[index + 1]] = [items[index + 1], items[index]];
    return joined(items);
  },
  /** Rewrites the manifest (e.g. a narrower window, fewer rows) and keeps the old signature. */
  changeManifest(text: string, change: (manifest: Record<string, unknown>) => void): string {
    return rewriteManifest(text, change);
  },
  /** Rewrites the manifest and signs it again with `key`: what passes the manifest check, to show the checks behind it. */
  resignManifest(text: string, key: SigningKey, change: (manifest: ExportManifest) => void): string {
    return rewriteManifest(text, (manifest) => change(manifest as unknown as ExportManifest), (manifest) => signManifest(key, manifest as unknown as ExportManifest).signature);
  },
};

/** An event's stored columns without the organization and time, which {@link buildVerifiedExport} assigns. */
export type ExportTestColumns = Omit<ChainedColumns, 'organization_id' | 'occurred_at'>;

/** Plain columns of the `index`-th test event, for {@link buildVerifiedExport}. */
export function exportTestColumns(index: number): ExportTestColumns {
  const { organization_id: _organization, occurred_at: _occurred, ...columns } = chainedColumns(index);
  return columns;
}

/** How {@link buildVerifiedExport} chains and cuts each organization's events. */
export interface VerifiedExportOptions {
  /** Rows before the chain (sequence 0) per organization. */
  unchained?: number;
  /** Links carry their expiry (this many days after their event, one a second from 2026-03-01); absent: links without one. */
  retentionDays?: number;
  /** Links 1…N of each organization expired: left out, and the manifest carries their signed expiry statement. */
  expiredThrough?: number;
}

/**
 * A verified export as the query API writes it, built from columns without a database: per
 * organization `unchained` pre-chain rows (sequence 0), then the events chained with libs/integrity
 * from the genesis hash (those after `expiredThrough`), then the manifest signed with `key`.
 * Window: 2026-01-01 to 2026-12-01.
 */
export function buildVerifiedExport(organizations: Record<string, ExportTestColumns[]>, key: SigningKey, options: VerifiedExportOptions = {}): string {
  const builder = new ExportManifestBuilder();
  const heads = new Map<string, ChainHead>();
  const expiries = new Map<string, SignedExpiryStatement>();
  const expiredThrough = options.expiredThrough ?? 0;
  let body = '';
  for (const [organizationId, events] of Object.entries(organizations)) {
    const rows: StoredLink[] = [];
    for (let i = 0; i < (options.unchained ?? 0); i++) {
      rows.push({ ...exportTestColumns(i), organization_id: organizationId, occurred_at: '2026-02-01 00:00:00.000', chain_seq: 0, chain_prev_hash: '', chain_hash: '' });
    }
    let head = GENESIS;
    events.forEach((event, index) => {
      const occurredAt = Date.parse('2026-03-01T00:00:00.000Z') + index * 1000;
      const row: ChainedColumns = { ...event, organization_id: organizationId, occurred_at: new Date(occurredAt).toISOString().slice(0, 23).replace('T', ' ') };
      const link = appendLink(head, row, options.retentionDays === undefined ? undefined : { countedFrom: occurredAt, retentionDays: options.retentionDays });
      const expiresAt = (JSON.parse(link.canonicalJson) as ChainedColumns).expires_at;
      if (link.head.seq > expiredThrough) rows.push({ ...row, ...(expiresAt && { expires_at: expiresAt }), chain_seq: link.head.seq, chain_prev_hash: link.prevHash, chain_hash: link.head.hash });
      if (link.head.seq === expiredThrough) expiries.set(organizationId, signExpiryStatement(key, organizationId, link.head, link.head.expiresAt || occurredAt, new Date(Math.max(link.head.expiresAt, occurredAt) + DAY_MS)));
      head = link.head;
    });
    heads.set(organizationId, head);
    for (const row of rows) {
      builder.add(row);
      body += `${verifiedExportLine(row)}\n`;
    }
  }
  const names = Object.keys(organizations);
  const manifest = builder.build({
    createdAt: '2026-11-25T21:00:00.000Z',
    organization: names.length === 1 ? names[0] : '*',
    filters: { from: '2026-01-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' },
    bodySha256: createHash('sha256').update(body).digest('hex'),
    keyId: key.keyId,
    heads,
    expiries,
  });
  return `${body}${JSON.stringify(signManifest(key, manifest))}\n`;
}
