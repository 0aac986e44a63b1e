import type { KeyObject } from 'node:crypto';
import type { ChainHead } from './event-chain';
import { loadPublicKey, signatureStatus, signMessage, type SignatureStatus, type SigningKey } from './signing';

/** The head of one organization's chain at a moment, as signed. */
export interface ChainCheckpoint {
  organizationId: string;
  chainSeq: number;
  /** chain_hash of the link at chainSeq (hex). */
  chainHash: string;
  /** ISO-8601 UTC with milliseconds, `2026-11-25T20:00:00.000Z`. */
  signedAt: string;
  /** Which key signed it ({@link keyIdOf}). */
  keyId: string;
}

export interface SignedChainCheckpoint extends ChainCheckpoint {
  /** Ed25519 signature of {@link checkpointMessage}, base64. */
  signature: string;
}

export type CheckpointSignatureStatus = SignatureStatus;

/**
 * The exact text a checkpoint's signature covers: JSON of
 * `{"organizationId","chainSeq","chainHash","signedAt","keyId"}` in that order, no spaces, UTF-8.
 * Anyone with the public key can rebuild it from a checkpoint record and check the signature.
 */
export function checkpointMessage(checkpoint: ChainCheckpoint): string {
  return JSON.stringify({
    organizationId: checkpoint.organizationId,
    chainSeq: checkpoint.chainSeq,
    chainHash: checkpoint.chainHash,
    signedAt: checkpoint.signedAt,
    keyId: checkpoint.keyId,
  });
}

export function signCheckpoint(key: SigningKey, organizationId: string, head: ChainHead, signedAt: Date = new Date()): SignedChainCheckpoint {
  const checkpoint: ChainCheckpoint = { organizationId, chainSeq: head.seq, chainHash: head.hash, signedAt: signedAt.toISOString(), keyId: key.keyId };
  return { ...checkpoint, signature: signMessage(key, checkpointMessage(checkpoint)) };
}

/** Checks a checkpoint's signature with the deployment's public key (absent: `unverified`). */
export function checkpointSignatureStatus(checkpoint: SignedChainCheckpoint, publicKey: KeyObject | undefined): CheckpointSignatureStatus {
  return signatureStatus(publicKey, checkpoint.keyId, checkpointMessage(checkpoint), checkpoint.signature);
}

/**
 * A public key from configuration: SPKI PEM, or the base64 of its DER (one line, easier in an
 * environment variable).
 */
export function readPublicKey(pemOrBase64: string): KeyObject {
  const text = pemOrBase64.trim();
  return loadPublicKey(text.startsWith('-----') ? text : `-----BEGIN PUBLIC KEY-----\n${text}\n-----END PUBLIC KEY-----`);
}

/** The newest of several checkpoints or expiry statements (highest sequence, then latest signature); undefined if none. */
export function newestCheckpoint<T extends Pick<ChainCheckpoint, 'chainSeq' | 'signedAt'>>(...checkpoints: Array<T | undefined>): T | undefined {
  let newest: T | undefined;
  for (const checkpoint of checkpoints) {
    if (!checkpoint) continue;
    if (!newest || checkpoint.chainSeq > newest.chainSeq || (checkpoint.chainSeq === newest.chainSeq && checkpoint.signedAt > newest.signedAt)) newest = checkpoint;
  }
  return newest;
}
