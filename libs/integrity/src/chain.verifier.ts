import type { KeyObject } from 'node:crypto';
import { checkpointSignatureStatus, newestCheckpoint, type CheckpointSignatureStatus, type SignedChainCheckpoint } from './chain-checkpoint';
import { canonicalEventJson, GENESIS_HASH, linkHash, type ChainHead, type StoredLink } from './event-chain';
import { inlineLinkHasher, type LinkHasher } from './link.hasher';

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
 * - `checkpoint_invalid`: the newest checkpoint's signature does not verify.
 */
export const CHAIN_BREAK_KINDS = ['missing', 'altered', 'reordered', 'relinked', 'forked', 'truncated', 'checkpoint_mismatch', 'checkpoint_invalid'] as const;
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
}

export interface VerifyRequest {
  organizationId: string;
  /** Window on occurred_at, ISO-8601, [from, to); absent: the whole chain from link 1. */
  from?: string;
  to?: string;
  maxRows?: number;
  /** Verifies checkpoint signatures; without it they are `unverified` (still compared). */
  publicKey?: KeyObject;
  /** A checkpoint kept elsewhere (the file sink); the newer of it and the stored one is used. */
  externalCheckpoint?: SignedChainCheckpoint;
  /** Where link hashes are recomputed (default: this thread). */
  hasher?: LinkHasher;
  signal?: AbortSignal;
}

/**
 * Verifies an organization's stored chain, or the part of it covering a time window, against its
 * newest checkpoint and the ingester's head record. A window is widened by one link on each side so
 * a deleted first or last row of the window still shows as missing. Anchors are read before the
 * stored end, and rows are written before their head and checkpoint, so ingestion running during
 * a verification never looks like truncation.
 */
export async function verifyStoredChain(source: ChainSource, request: VerifyRequest): Promise<ChainReport> {
  const { organizationId } = request;
  const stored = await source.newestCheckpoint(organizationId);
  const head = await source.latestHead(organizationId);
  const storedEnd = await source.storedEnd(organizationId);
  const windowed = request.from !== undefined || request.to !== undefined;
  let startSeq = 1;
  let endSeq = storedEnd;
  if (windowed) {
    const range = await source.seqRange(organizationId, { from: request.from, to: request.to });
    if (range) {
      startSeq = Math.max(1, range.first - 1);
      if (request.to !== undefined) endSeq = Math.min(range.last + 1, storedEnd);
    } else if (request.to === undefined) {
      // No event since `from`: still check that the stored chain ends where the anchors say.
      startSeq = Math.max(1, storedEnd);
    } else {
      return { status: 'ok', organizationId, checked: 0, firstSeq: null, lastSeq: null, head: null, complete: true };
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

  const report = await walkChain(source.streamLinks(organizationId, startSeq, endSeq, request.signal), {
    organizationId,
    startSeq,
    ...(startSeq === 1 && { startPrevHash: GENESIS_HASH }),
    anchors,
    toEnd,
    maxRows: request.maxRows,
    locate: (hash) => source.seqOfHash(organizationId, hash),
    hasher: request.hasher,
  });

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
