import type { KeyObject } from 'node:crypto';
import { checkpointSignatureStatus, newestCheckpoint, type SignedChainCheckpoint } from './chain-checkpoint';
import { walkChain, type ChainAnchor, type ChainReport, type ExpiryCheck } from './chain.verifier';
import { GENESIS_HASH, type ChainHead, type StoredLink } from './event-chain';
import { expiryStatementStatus, type SignedExpiryStatement } from './expiry-statement';
import type { LinkHasher } from './link.hasher';

/** Where an organization's stored chain is read from (the ClickHouse repository in production). */
export interface ChainSource {
  /** The newest checkpoint, or the newest at or below `atMostSeq`. */
  newestCheckpoint(organizationId: string, atMostSeq?: number): Promise<SignedChainCheckpoint | undefined>;
  /** The ingester's latest head record. */
  latestHead(organizationId: string): Promise<ChainHead | undefined>;
  /** The highest stored chain_seq (0: none). */
  storedEnd(organizationId: string): Promise<number>;
  /** Lowest and highest chain_seq of the rows with occurred_at in [from, to) (ISO-8601). */
  seqRange(organizationId: string, window: { from?: string; to?: string }): Promise<{ first: number; last: number } | undefined>;
  /** Rows with chain_seq in [fromSeq, toSeq], in chain_seq order, in batches. */
  streamLinks(organizationId: string, fromSeq: number, toSeq: number, signal?: AbortSignal): AsyncIterable<StoredLink[]>;
  seqOfHash(organizationId: string, hash: string): Promise<number | undefined>;
  /** The newest expiry statement (highest sequence, then latest signature). */
  newestExpiry(organizationId: string): Promise<SignedExpiryStatement | undefined>;
}

export interface VerifyRequest {
  organizationId: string;
  /** Window on occurred_at, ISO-8601, [from, to); absent: the whole chain after the newest expiry statement (from link 1 without one). */
  from?: string;
  to?: string;
  maxRows?: number;
  /** Verifies checkpoint signatures; without it they are `unverified` (still compared). */
  publicKey?: KeyObject;
  /** A checkpoint kept elsewhere (the file sink); the newer of it and the stored one is used. */
  externalCheckpoint?: SignedChainCheckpoint;
  /** An expiry statement kept elsewhere (the same file); the newer of it and the stored one is used. */
  externalExpiry?: SignedExpiryStatement;
  /** Where link hashes are recomputed (default: this thread). */
  hasher?: LinkHasher;
  signal?: AbortSignal;
}

/** How often a check restarts after the expiry job moved on (signed a newer statement) during it. */
const EXPIRY_RESTARTS = 3;

/**
 * Verifies an organization's stored chain, or the part of it covering a time window, against its
 * newest checkpoint and the ingester's head record, starting after its newest expiry statement:
 * links 1…N that statement covers may be gone (the TTL removes only such links), link N + 1 must
 * chain from the hash it signed, and every later link must be stored. Only a statement that
 * verifies with the public key (or any, when no key is given: then `unverified`) excuses missing
 * links. A window is widened by one link on each side so a deleted first or last row of the window
 * still shows as missing. Anchors are read before the stored end, and rows are written before their
 * head and checkpoint, so ingestion running during a verification never looks like truncation;
 * statements are signed before their links can be deleted, so a link found missing that a statement
 * signed meanwhile covers restarts the check after that statement instead of reporting tampering.
 */
export async function verifyStoredChain(source: ChainSource, request: VerifyRequest): Promise<ChainReport> {
  for (let attempt = 0; ; attempt++) {
    const statement = newestCheckpoint(await source.newestExpiry(request.organizationId), request.externalExpiry);
    const report = await verifyAfter(source, request, statement);
    const missing = report.firstBreak?.kind === 'missing' ? report.firstBreak.seq : undefined;
    if (missing === undefined || attempt === EXPIRY_RESTARTS) return report;
    const newer = await source.newestExpiry(request.organizationId);
    if (!newer || newer.chainSeq < missing || newer.chainSeq <= (statement?.chainSeq ?? 0)) return report;
  }
}

async function verifyAfter(source: ChainSource, request: VerifyRequest, statement: SignedExpiryStatement | undefined): Promise<ChainReport> {
  const { organizationId } = request;
  const expiry = statement && expiryCheck(statement, request.publicKey);
  if (statement && expiry && (expiry.signature === 'invalid' || (expiry.signature === 'unverified' && request.publicKey))) {
    const why = expiry.signature === 'invalid' ? 'does not verify with the public key: the statement was altered or forged' : `is signed by key ${statement.keyId}, not by the public key given`;
    return {
      status: 'broken',
      organizationId,
      checked: 0,
      firstSeq: null,
      lastSeq: null,
      head: null,
      complete: false,
      expiry,
      firstBreak: {
        seq: statement.chainSeq,
        eventId: null,
        kind: 'expiry_invalid',
        expected: request.publicKey ? 'a signature by the public key given' : 'a valid signature',
        found: `key ${statement.keyId}: ${statement.signature}`,
        detail: `the expiry statement of links 1…${statement.chainSeq} signed at ${statement.signedAt} ${why}; it excuses no missing link`,
      },
    };
  }
  const expired = statement?.chainSeq ?? 0;
  const stored = await source.newestCheckpoint(organizationId);
  const head = await source.latestHead(organizationId);
  const storedEnd = await source.storedEnd(organizationId);
  const windowed = request.from !== undefined || request.to !== undefined;
  let startSeq = expired + 1;
  let endSeq = storedEnd;
  if (windowed) {
    const range = await source.seqRange(organizationId, { from: request.from, to: request.to });
    if (range) {
      startSeq = Math.max(expired + 1, range.first - 1);
      if (request.to !== undefined) endSeq = Math.min(range.last + 1, storedEnd);
    } else if (request.to === undefined) {
      // No event since `from`: still check that the stored chain ends where the anchors say.
      startSeq = Math.max(expired + 1, storedEnd);
    } else {
      return { status: 'ok', organizationId, checked: 0, firstSeq: null, lastSeq: null, head: null, complete: true, ...(expiry && { expiry }) };
    }
  }
  const toEnd = endSeq === storedEnd;
  // The newest checkpoint when the walk goes to the end; else the newest one the walk can reach.
  const external = request.externalCheckpoint;
  const checkpoint = toEnd
    ? newestCheckpoint(stored, external)
    : newestCheckpoint(await source.newestCheckpoint(organizationId, endSeq), external && external.chainSeq <= endSeq ? external : undefined);
  const signature = checkpoint ? checkpointSignatureStatus(checkpoint, request.publicKey) : undefined;
  const anchors: ChainAnchor[] = [];
  if (head && (toEnd || head.seq <= endSeq)) anchors.push({ seq: head.seq, hash: head.hash, source: 'head' });
  // A checkpoint that fails its signature is reported, never trusted as an anchor.
  if (checkpoint && signature !== 'invalid') anchors.push({ seq: checkpoint.chainSeq, hash: checkpoint.chainHash, source: 'checkpoint' });

  const afterExpiry = startSeq === expired + 1;
  const report = await walkChain(source.streamLinks(organizationId, startSeq, endSeq, request.signal), {
    organizationId,
    startSeq,
    ...(afterExpiry && { startPrevHash: statement?.chainHash ?? GENESIS_HASH, startsAfterExpiry: statement !== undefined }),
    anchors,
    toEnd,
    maxRows: request.maxRows,
    locate: (hash) => source.seqOfHash(organizationId, hash),
    hasher: request.hasher,
  });
  if (expiry) report.expiry = expiry;

  if (checkpoint && signature) {
    // Compared: the walk passed the checkpoint's link, broke on it, or reached the stored end before it.
    const passed = report.lastSeq !== null && checkpoint.chainSeq <= report.lastSeq;
    const brokeOnIt = report.firstBreak?.seq === checkpoint.chainSeq && report.firstBreak.kind === 'checkpoint_mismatch';
    const reachedEnd = toEnd && (report.complete || report.firstBreak?.kind === 'truncated');
    const reached = passed || brokeOnIt || reachedEnd;
    report.checkpoint = {
      chainSeq: checkpoint.chainSeq,
      chainHash: checkpoint.chainHash,
      signedAt: checkpoint.signedAt,
      keyId: checkpoint.keyId,
      signature,
      compared: signature !== 'invalid' && reached && checkpoint.chainSeq >= startSeq,
    };
    if (signature === 'invalid' && !report.firstBreak) {
      report.status = 'broken';
      report.firstBreak = {
        seq: checkpoint.chainSeq,
        eventId: null,
        kind: 'checkpoint_invalid',
        expected: `a signature by key ${checkpoint.keyId}`,
        found: checkpoint.signature,
        detail: `the checkpoint of link ${checkpoint.chainSeq} signed at ${checkpoint.signedAt} does not verify with the public key: the checkpoint record was altered`,
      };
    }
  }
  return report;
}

function expiryCheck(statement: SignedExpiryStatement, publicKey: KeyObject | undefined): ExpiryCheck {
  return {
    chainSeq: statement.chainSeq,
    chainHash: statement.chainHash,
    expiredAt: statement.expiredAt,
    signedAt: statement.signedAt,
    keyId: statement.keyId,
    signature: expiryStatementStatus(statement, publicKey),
  };
}
