import type { KeyObject } from 'node:crypto';
import type { ChainHead } from './event-chain';
import { signatureStatus, signMessage, type SignatureStatus, type SigningKey } from './signing';

/**
 * "Links 1…chainSeq of organizationId had all expired by expiredAt; link chainSeq's hash was
 * chainHash", signed with the deployment's Ed25519 key. The ingestor's expiry job signs one before
 * the table's TTL may remove those links (the TTL deletes only links a statement covers), so a
 * verifier starts after the newest statement: link chainSeq + 1 must chain from chainHash, and every
 * later link must still be there.
 */
export interface ExpiryStatement {
  organizationId: string;
  /** The last expired link (N). */
  chainSeq: number;
  /** chain_hash of link N (hex). */
  chainHash: string;
  /** ISO-8601: the latest expiry among links 1…N; never after signedAt. */
  expiredAt: string;
  /** ISO-8601 UTC with milliseconds. */
  signedAt: string;
  keyId: string;
}

export interface SignedExpiryStatement extends ExpiryStatement {
  /** Ed25519 signature of {@link expiryStatementMessage}, base64. */
  signature: string;
}

/** Keeps a statement's signature from ever being taken for a checkpoint's or a manifest's made with the same key. */
export const EXPIRY_SIGNING_PREFIX = 'audit-pipeline expiry statement v1\n';

/**
 * The exact text a statement's signature covers: the prefix, then JSON of
 * `{"organizationId","chainSeq","chainHash","expiredAt","signedAt","keyId"}` in that order, no
 * spaces, UTF-8.
 */
export function expiryStatementMessage(statement: ExpiryStatement): string {
  return (
    EXPIRY_SIGNING_PREFIX +
    JSON.stringify({
      organizationId: statement.organizationId,
      chainSeq: statement.chainSeq,
      chainHash: statement.chainHash,
      expiredAt: statement.expiredAt,
      signedAt: statement.signedAt,
      keyId: statement.keyId,
    })
  );
}

export function signExpiryStatement(key: SigningKey, organizationId: string, last: ChainHead, expiredAt: number, signedAt: Date = new Date()): SignedExpiryStatement {
  if (expiredAt > signedAt.getTime()) throw new Error(`links of ${organizationId} up to ${last.seq} expire at ${new Date(expiredAt).toISOString()}, after ${signedAt.toISOString()}: not expired yet`);
  const statement: ExpiryStatement = {
    organizationId,
    chainSeq: last.seq,
    chainHash: last.hash,
    expiredAt: new Date(expiredAt).toISOString(),
    signedAt: signedAt.toISOString(),
    keyId: key.keyId,
  };
  return { ...statement, signature: signMessage(key, expiryStatementMessage(statement)) };
}

/**
 * `valid` / `unverified` (no key, or another key signed it) / `invalid`: the signature does not
 * verify, or the statement says its links expired after it was signed, which the expiry job never
 * signs.
 */
export function expiryStatementStatus(statement: SignedExpiryStatement, publicKey: KeyObject | undefined): SignatureStatus {
  if (!(Date.parse(statement.expiredAt) <= Date.parse(statement.signedAt))) return 'invalid';
  return signatureStatus(publicKey, statement.keyId, expiryStatementMessage(statement), statement.signature);
}
