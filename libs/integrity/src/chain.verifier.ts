import type { CheckpointSignatureStatus } from './chain-checkpoint';
import { canonicalEventJson, GENESIS_HASH, linkHash, type ChainHead, type StoredLink } from './event-chain';
import { inlineLinkHasher, type LinkHasher } from './link.hasher';
import type { SignatureStatus } from './signing';

/**
 * How a chain broke, at its first broken link:
 * - `missing`: no row has sequence `seq` (deleted);
 * - `altered`: the row's columns no longer hash to its stored chain_hash;
 * - `reordered`: the row is intact but stored under another sequence number than the one it was chained at;
 * - `relinked`: the row at `seq` hashes correctly but its successor was chained after another hash
 *   (the row was rewritten and its hash recomputed);
 * - `forked`: two different rows share one sequence number;
 * - `truncated`: the newest rows are gone (a checkpoint or the ingester's head names a later sequence);
 * - `checkpoint_mismatch`: the row at a checkpoint's sequence has another hash than the signed one;
 * - `checkpoint_invalid`: the newest checkpoint's signature does not verify;
 * - `expiry_mismatch`: the link after the newest expiry statement is intact but does not chain from
 *   the hash the statement signed (the chain was rebuilt after it);
 * - `expiry_invalid`: the newest expiry statement does not verify with the public key (altered,
 *   forged, or signed by another key), so it excuses no missing link.
 */
export const CHAIN_BREAK_KINDS = [
  'missing',
  'altered',
  'reordered',
  'relinked',
  'forked',
  'truncated',
  'checkpoint_mismatch',
  'checkpoint_invalid',
  'expiry_mismatch',
  'expiry_invalid',
] as const;
export type ChainBreakKind = (typeof CHAIN_BREAK_KINDS)[number];

export interface ChainBreak {
  seq: number;
  /** The row at `seq`, when one is stored. */
  eventId: string | null;
  kind: ChainBreakKind;
  expected: string;
  found: string;
  detail: string;
}

/** What was checked against the newest checkpoint. */
export interface CheckpointCheck {
  chainSeq: number;
  chainHash: string;
  signedAt: string;
  keyId: string;
  signature: CheckpointSignatureStatus;
  /** Whether the walk reached the checkpoint's sequence (or the end of the stored chain before it). */
  compared: boolean;
}

/** The newest expiry statement the check started after. */
export interface ExpiryCheck {
  /** Links 1…chainSeq have expired; the check starts at chainSeq + 1. */
  chainSeq: number;
  chainHash: string;
  expiredAt: string;
  signedAt: string;
  keyId: string;
  signature: SignatureStatus;
}

export interface ChainReport {
  status: 'ok' | 'broken';
  organizationId: string;
  /** Rows checked (each link once; an exact stored copy of a link is skipped). */
  checked: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** The last link checked, as stored. */
  head: ChainHead | null;
  /** True when every link of the range was checked: false at a break, or when the row limit cut the walk (`nextSeq`). */
  complete: boolean;
  /** Where a walk cut by its row limit would go on. */
  nextSeq?: number;
  checkpoint?: CheckpointCheck;
  expiry?: ExpiryCheck;
  firstBreak?: ChainBreak;
}

/** An expected hash at a sequence: a signed checkpoint, or the ingester's own head record. */
export interface ChainAnchor {
  seq: number;
  hash: string;
  source: 'checkpoint' | 'head';
}

export interface WalkPlan {
  organizationId: string;
  /** The first sequence the walk expects. */
  startSeq: number;
  /** The chain_hash before startSeq, when known (GENESIS_HASH from seq 1); otherwise the first row's own is trusted. */
  startPrevHash?: string;
  /** startPrevHash is the hash an expiry statement signed for the link before startSeq. */
  startsAfterExpiry?: boolean;
  /** Anchors to compare against; an anchor past the last row counts as `truncated` only when `toEnd`. */
  anchors?: ChainAnchor[];
  /** The walk covers the stored chain up to its end (not a window that stops earlier). */
  toEnd: boolean;
  /** Stop after this many rows (complete: false). */
  maxRows?: number;
  /** Finds the sequence whose stored chain_hash is `hash` (used once, to tell `reordered` from `altered`). */
  locate?: (hash: string) => Promise<number | undefined>;
  /** Recomputes each batch's link hashes (default: on this thread; the query API: on worker threads). */
  hasher?: LinkHasher;
}

const short = (hash: string) => hash.slice(0, 16);

/**
 * Recomputes an organization's chain over its stored rows, in chain_seq order, and reports the first
 * broken link. For each row: the sequence follows the previous one, chain_prev_hash is the previous
 * row's chain_hash, and chain_hash = SHA-256(chain_prev_hash ‖ canonical columns). Two rows with
 * the same time and id but their own sequence numbers are a re-sent event, two links — not a break;
 * an exact copy of one link (a replayed block not merged yet) is skipped.
 */
export async function walkChain(batches: AsyncIterable<StoredLink[]>, plan: WalkPlan): Promise<ChainReport> {
  const maxRows = plan.maxRows ?? Number.POSITIVE_INFINITY;
  const anchors = new Map((plan.anchors ?? []).map((anchor) => [anchor.seq, anchor]));
  let expectedSeq = plan.startSeq;
  let previous: StoredLink | undefined;
  let prevHash = plan.startPrevHash;
  let checked = 0;
  let read = 0;
  let firstSeq: number | null = null;
  let firstBreak: ChainBreak | undefined;
  let cut = false;

  /** `recomputed`: the row's columns hashed at its own sequence after its own stored previous hash. */
  const check = async (row: StoredLink, recomputed: string): Promise<ChainBreak | undefined> => {
    if (previous && row.chain_seq === previous.chain_seq) {
      if (row.chain_hash === previous.chain_hash && row.chain_prev_hash === previous.chain_prev_hash) {
        // A copy of the link: fine only if its columns hash to it too (a changed copy is a forgery).
        if (recomputed === row.chain_hash) return undefined;
        return {
          seq: row.chain_seq,
          eventId: row.event_id,
          kind: 'altered',
          expected: row.chain_hash,
          found: recomputed,
          detail: `a second row stored as link ${row.chain_seq} (event ${row.event_id}) carries its hashes but other columns: a changed copy`,
        };
      }
      return {
        seq: row.chain_seq,
        eventId: row.event_id,
        kind: 'forked',
        expected: previous.chain_hash,
        found: row.chain_hash,
        detail: `events ${previous.event_id} and ${row.event_id} are both stored as link ${row.chain_seq}`,
      };
    }
    if (row.chain_seq !== expectedSeq) {
      return {
        seq: expectedSeq,
        eventId: null,
        kind: 'missing',
        expected: `seq ${expectedSeq}`,
        found: `seq ${row.chain_seq}`,
        detail: `no row is stored as link ${expectedSeq}${row.chain_seq > expectedSeq + 1 ? ` to ${row.chain_seq - 1}` : ''}; the next stored link is ${row.chain_seq} (event ${row.event_id})`,
      };
    }
    if (prevHash !== undefined && row.chain_prev_hash !== prevHash) {
      const after = row.chain_prev_hash === GENESIS_HASH ? 0 : await plan.locate?.(row.chain_prev_hash);
      if (after !== undefined && after + 1 !== row.chain_seq && linkHash(row.chain_prev_hash, canonicalEventJson(row, after + 1)) === row.chain_hash) {
        return {
          seq: row.chain_seq,
          eventId: row.event_id,
          kind: 'reordered',
          expected: prevHash,
          found: row.chain_prev_hash,
          detail: `event ${row.event_id} is stored as link ${row.chain_seq} but was chained as link ${after + 1}`,
        };
      }
      if (recomputed === row.chain_hash && !previous && plan.startsAfterExpiry) {
        return {
          seq: row.chain_seq,
          eventId: row.event_id,
          kind: 'expiry_mismatch',
          expected: prevHash,
          found: row.chain_prev_hash,
          detail: `link ${row.chain_seq} (event ${row.event_id}) was chained after hash ${short(row.chain_prev_hash)}…, but the expiry statement signed hash ${short(prevHash)}… for link ${row.chain_seq - 1}: the chain was rebuilt after the statement`,
        };
      }
      if (recomputed === row.chain_hash && previous) {
        return {
          seq: previous.chain_seq,
          eventId: previous.event_id,
          kind: 'relinked',
          expected: row.chain_prev_hash,
          found: previous.chain_hash,
          detail: `link ${row.chain_seq} was chained after hash ${short(row.chain_prev_hash)}…, but link ${previous.chain_seq} (event ${previous.event_id}) now has hash ${short(previous.chain_hash)}…: it was rewritten with a recomputed hash`,
        };
      }
      return {
        seq: row.chain_seq,
        eventId: row.event_id,
        kind: 'altered',
        expected: prevHash,
        found: row.chain_prev_hash,
        detail: `link ${row.chain_seq} (event ${row.event_id}) does not follow the previous link's hash, and its columns do not hash to its chain_hash`,
      };
    }
    if (recomputed !== row.chain_hash) {
      return {
        seq: row.chain_seq,
        eventId: row.event_id,
        kind: 'altered',
        expected: row.chain_hash,
        found: recomputed,
        detail: `the stored columns of event ${row.event_id} no longer hash to the link's chain_hash: the row was changed after it was chained`,
      };
    }
    const anchor = anchors.get(row.chain_seq);
    if (anchor && anchor.hash !== row.chain_hash) {
      return {
        seq: row.chain_seq,
        eventId: row.event_id,
        kind: 'checkpoint_mismatch',
        expected: anchor.hash,
        found: row.chain_hash,
        detail: `the ${anchor.source === 'checkpoint' ? 'signed checkpoint' : "ingester's head record"} at link ${row.chain_seq} names another hash: the chain was rebuilt after it`,
      };
    }
    return undefined;
  };

  const hasher = plan.hasher ?? inlineLinkHasher;
  outer: for await (const batch of batches) {
    const hashes = await hasher.hash(batch);
    for (const [index, row] of batch.entries()) {
      if (read >= maxRows) {
        cut = true;
        break outer;
      }
      read += 1;
      firstBreak = await check(row, hashes[index]);
      if (firstBreak) break outer;
      if (previous && row.chain_seq === previous.chain_seq) continue;
      firstSeq ??= row.chain_seq;
      checked += 1;
      previous = row;
      prevHash = row.chain_hash;
      expectedSeq = row.chain_seq + 1;
    }
  }

  if (!firstBreak && !cut && plan.toEnd) {
    const lastSeq = previous?.chain_seq ?? plan.startSeq - 1;
    const beyond = [...anchors.values()].filter((anchor) => anchor.seq > lastSeq).sort((a, b) => b.seq - a.seq)[0];
    if (beyond) {
      firstBreak = {
        seq: lastSeq + 1,
        eventId: null,
        kind: 'truncated',
        expected: `seq ${beyond.seq} (hash ${beyond.hash})`,
        found: lastSeq > 0 ? `seq ${lastSeq}` : 'no rows',
        detail: `the ${beyond.source === 'checkpoint' ? 'signed checkpoint' : "ingester's head record"} names link ${beyond.seq}, but the stored chain ends at ${lastSeq}: links ${lastSeq + 1} to ${beyond.seq} were deleted`,
      };
    }
  }

  return {
    status: firstBreak ? 'broken' : 'ok',
    organizationId: plan.organizationId,
    checked,
    firstSeq,
    lastSeq: previous?.chain_seq ?? null,
    head: previous ? { seq: previous.chain_seq, hash: previous.chain_hash } : null,
    complete: !cut && !firstBreak,
    ...(cut && { nextSeq: expectedSeq }),
    ...(firstBreak && { firstBreak }),
  };
}
