import type { KeyObject } from 'node:crypto';
import type { ChainHead } from './event-chain';
import { keyIdOf, loadPublicKey, signMessage, verifyMessage, type SigningKey } from './signing';

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

/** `valid`: the given public key verifies it; `invalid`: it does not; `unverified`: no key, or another key signed it. */
export type CheckpointSignatureStatus = 'valid' | 'invalid' | 'unverified';

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
  if (!publicKey || keyIdOf(publicKey) !== checkpoint.keyId) return 'unverified';
  try {
    return verifyMessage(publicKey, checkpointMessage(checkpoint), checkpoint.signature) ? 'valid' : 'invalid';
  } catch {
    // A signature that is not even well-formed base64 of 64 bytes.
    return 'invalid';
  }
}

/**
 * A public key from configuration: SPKI PEM, or the base64 of its DER (one line, easier in an
 * environment variable).
 */
export function readPublicKey(pemOrBase64: string): KeyObject {
  const text = pemOrBase64.trim();
  return loadPublicKey(text.startsWith('-----') ? text : `-----BEGIN PUBLIC KEY-----\n${text}\n-----END PUBLIC KEY-----`);
}

/** The newest of several checkpoints (highest sequence, then latest signature); undefined if none. */
export function newestCheckpoint<T extends ChainCheckpoint>(...checkpoints: Array<T | undefined>): T | undefined {
  let newest: T | undefined;
  for (const checkpoint of checkpoints) {
    if (!checkpoint) continue;
    if (!newest || checkpoint.chainSeq > newest.chainSeq || (checkpoint.chainSeq === newest.chainSeq && checkpoint.signedAt > newest.signedAt)) newest = checkpoint;
  }
  return newest;
}

/**
 * Parses the checkpoint file sink (one JSON checkpoint per line) and returns each organization's
 * newest checkpoint. Lines that are not checkpoints are errors: the file is evidence.
 */
export function parseCheckpointLines(text: string): Map<string, SignedChainCheckpoint> {
  const newest = new Map<string, SignedChainCheckpoint>();
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const value = JSON.parse(line) as Partial<SignedChainCheckpoint>;
    if (
      typeof value.organizationId !== 'string' ||
      !Number.isSafeInteger(value.chainSeq) ||
      typeof value.chainHash !== 'string' ||
      typeof value.signedAt !== 'string' ||
      typeof value.keyId !== 'string' ||
      typeof value.signature !== 'string'
    ) {
      throw new Error(`checkpoint file line ${index + 1} is not a signed checkpoint`);
    }
    const checkpoint = value as SignedChainCheckpoint;
    newest.set(checkpoint.organizationId, newestCheckpoint(newest.get(checkpoint.organizationId), checkpoint) as SignedChainCheckpoint);
  });
  return newest;
}
