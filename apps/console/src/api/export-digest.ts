import type { ExportFormat } from './audit-api.client';

export interface ExportDigest {
  rows: number;
  /** Hex SHA-256 of the file, the digest the server sends in its X-Audit-Content-SHA256 trailer (which fetch cannot read). */
  sha256?: string;
}

/** Rows of an export file: one per line, minus the CSV header; a last line without a newline counts. */
export function countRows(bytes: Uint8Array, format: ExportFormat): number {
  let lines = 0;
  for (const byte of bytes) if (byte === 0x0a) lines += 1;
  if (bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a) lines += 1;
  return format === 'csv' ? Math.max(lines - 1, 0) : lines;
}

/**
 * What the admin hands an auditor along with the file. `crypto.subtle` exists only in secure
 * contexts (https, localhost); elsewhere the digest is left out rather than guessed.
 */
export async function digestExport(blob: Blob, format: ExportFormat): Promise<ExportDigest> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const rows = countRows(bytes, format);
  if (!globalThis.crypto?.subtle) return { rows };
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes));
  return { rows, sha256: Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('') };
}
