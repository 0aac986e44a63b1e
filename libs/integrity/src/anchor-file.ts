import { newestCheckpoint, type SignedChainCheckpoint } from './chain-checkpoint';
import type { SignedExpiryStatement } from './expiry-statement';

/**
 * The anchor file (AUDIT_CHECKPOINT_FILE), kept outside ClickHouse: one JSON record per line, a
 * signed checkpoint (`{organizationId, chainSeq, chainHash, signedAt, keyId, signature}`) or a
 * signed expiry statement (the same fields with `"kind":"expiry"` first and `expiredAt`).
 */
export interface AnchorFile {
  /** Each organization's newest checkpoint. */
  checkpoints: Map<string, SignedChainCheckpoint>;
  /** Each organization's newest expiry statement. */
  expiries: Map<string, SignedExpiryStatement>;
}

/** One line of the anchor file (without the newline). */
export function anchorLine(record: SignedChainCheckpoint | SignedExpiryStatement): string {
  return 'expiredAt' in record ? JSON.stringify({ kind: 'expiry', ...record }) : JSON.stringify(record);
}

type Fields = Partial<SignedExpiryStatement> & { kind?: unknown };

const signed = (value: Fields) =>
  typeof value.organizationId === 'string' &&
  Number.isSafeInteger(value.chainSeq) &&
  typeof value.chainHash === 'string' &&
  typeof value.signedAt === 'string' &&
  typeof value.keyId === 'string' &&
  typeof value.signature === 'string';

/** Reads the anchor file. A line that is neither record is an error naming the line: the file is evidence. */
export function parseAnchorLines(text: string): AnchorFile {
  const file: AnchorFile = { checkpoints: new Map(), expiries: new Map() };
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const value = JSON.parse(line) as Fields;
    if (!signed(value) || (value.kind !== undefined && (value.kind !== 'expiry' || typeof value.expiredAt !== 'string'))) {
      throw new Error(`anchor file line ${index + 1} is neither a signed checkpoint nor a signed expiry statement`);
    }
    if (value.kind === 'expiry') {
      const { kind: _kind, ...statement } = value as SignedExpiryStatement & { kind: string };
      file.expiries.set(statement.organizationId, newestCheckpoint(file.expiries.get(statement.organizationId), statement) as SignedExpiryStatement);
    } else {
      const checkpoint = value as SignedChainCheckpoint;
      file.checkpoints.set(checkpoint.organizationId, newestCheckpoint(file.checkpoints.get(checkpoint.organizationId), checkpoint) as SignedChainCheckpoint);
    }
  });
  return file;
}
