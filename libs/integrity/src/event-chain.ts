import { hash } from 'node:crypto';
import { linkExpiry } from './retention.policy';

/** The hash before an organization's first event: 32 zero bytes. */
export const GENESIS_HASH = '0'.repeat(64);

/** Where an organization's chain stands: the last sequence number and its hash (hex). */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** A chain's head as the ingester carries it: with the expiry of its last link (epoch ms). */
export interface ChainState extends ChainHead {
  /** The expiry of link `seq` (0 before the first link, and while every link predates stored expiry). */
  expiresAt: number;
}

export const GENESIS: ChainState = Object.freeze({ seq: 0, hash: GENESIS_HASH, expiresAt: 0 });

/**
 * The stored columns a link covers. Everything an event says is here; the Kafka lineage and the
 * ingest time are not (a re-drive or a replay may change them without changing the event).
 */
export interface ChainedColumns {
  organization_id: string;
  event_id: string;
  /** ClickHouse DateTime64(3) text, `YYYY-MM-DD hh:mm:ss.sss` (UTC). */
  occurred_at: string;
  actor_id: string;
  actor_type: string;
  actor_name: string;
  actor_email: string;
  actor_ip: string;
  actor_user_agent: string;
  action: string;
  resource_type: string;
  resource_id: string;
  resource_name: string;
  status: string;
  reason: string;
  request_id: string;
  session_id: string;
  changes: string;
  metadata: string;
  schema_version: number;
  /**
   * When the link expires (`YYYY-MM-DD hh:mm:ss.sss`, UTC; see `linkExpiry`), covered by the hash
   * like the event's columns, so retention cannot be shortened by rewriting it. Null or absent: a
   * link stored before links carried their expiry, whose canonical JSON has no such key.
   */
  expires_at?: string | null;
}

/** A stored row as the chain sees it: its columns and its link. */
export interface StoredLink extends ChainedColumns {
  chain_seq: number;
  chain_prev_hash: string;
  chain_hash: string;
}

/**
 * The canonical bytes of one link: JSON of the event's stored columns in this fixed order, with its
 * sequence number second and, for links that carry one, the expiry last. Built from the values
 * ClickHouse stores and returns unchanged (strings, the millisecond time text, the lowercase UUID),
 * so a verifier reading rows back rebuilds exactly the bytes the ingestor hashed. The ingestor also
 * sends this JSON as the start of the row's JSONEachRow line, so canonical form and stored row
 * cannot drift apart.
 */
export function canonicalEventJson(columns: ChainedColumns, seq: number): string {
  return canonicalJsonWithExpiry(columns, seq, columns.expires_at);
}

/**
 * `expires_at` is the object's last key; JSON.stringify leaves a key whose value is undefined out,
 * so a link without an expiry has no such key (one pass, no re-concatenation of the JSON).
 */
function canonicalJsonWithExpiry(columns: ChainedColumns, seq: number, expiresAt: string | null | undefined): string {
  return JSON.stringify({
    organization_id: columns.organization_id,
    chain_seq: seq,
    event_id: columns.event_id.toLowerCase(),
    occurred_at: columns.occurred_at,
    actor_id: columns.actor_id,
    actor_type: columns.actor_type,
    actor_name: columns.actor_name,
    actor_email: columns.actor_email,
    actor_ip: columns.actor_ip,
    actor_user_agent: columns.actor_user_agent,
    action: columns.action,
    resource_type: columns.resource_type,
    resource_id: columns.resource_id,
    resource_name: columns.resource_name,
    status: columns.status,
    reason: columns.reason,
    request_id: columns.request_id,
    session_id: columns.session_id,
    changes: columns.changes,
    metadata: columns.metadata,
    schema_version: Number(columns.schema_version),
    expires_at: expiresAt ?? undefined,
  });
}

/** Where linkHash lays out its input: reused (hashing is synchronous), grown for longer links. */
let hashInput = Buffer.allocUnsafe(4096);

/**
 * hash = SHA-256(previous hash's 32 bytes ‖ canonical JSON's UTF-8 bytes), hex. Both parts are
 * written into one reused buffer and hashed in one call: no Hash object per link (the ingester
 * hashes every event; this is ~40 % cheaper than createHash with two updates).
 */
export function linkHash(prevHash: string, canonicalJson: string): string {
  const longest = (prevHash.length >>> 1) + canonicalJson.length * 3;
  if (hashInput.length < longest) hashInput = Buffer.allocUnsafe(longest);
  // Decoded as Buffer.from(prevHash, 'hex') decodes it (up to the first pair that is not hex), so
  // a stored row's malformed chain_prev_hash is hashed exactly as before.
  const prevLength = hashInput.write(prevHash, 0, 'hex');
  const length = prevLength + hashInput.write(canonicalJson, prevLength, 'utf8');
  return hash('sha256', hashInput.subarray(0, length), 'hex');
}

/** One appended link: the canonical JSON (to store) and the head after it. */
export interface ChainLink {
  canonicalJson: string;
  prevHash: string;
  head: ChainState;
}

/** What a new link's expiry is counted from (see `linkExpiry`). */
export interface LinkRetention {
  /** Epoch ms: the later of the block's recorded clock and the event's occurredAt. */
  countedFrom: number;
  retentionDays: number;
}

/**
 * Appends an event after `head`; with `retention`, the link carries its expiry (`linkExpiry`),
 * without it the link is stored as links were before they carried one. Pure: the same head, columns
 * and retention always give the same link.
 */
export function appendLink(head: ChainHead & { expiresAt?: number }, columns: ChainedColumns, retention?: LinkRetention): ChainLink {
  const seq = head.seq + 1;
  const previousExpiresAt = head.expiresAt ?? 0;
  const expiresAt = retention ? linkExpiry(previousExpiresAt, retention.countedFrom, retention.retentionDays) : previousExpiresAt;
  const canonicalJson = canonicalJsonWithExpiry(columns, seq, retention ? chainTime(expiresAt) : null);
  return { canonicalJson, prevHash: head.hash, head: { seq, hash: linkHash(head.hash, canonicalJson), expiresAt } };
}

let lastTime = { ms: Number.NaN, text: '' };

/**
 * Epoch ms as the chain's time text, `YYYY-MM-DD hh:mm:ss.sss` (UTC): what a DateTime64(3, 'UTC')
 * column stores and returns. Remembers the last answer: a block's links mostly share one expiry.
 */
export function chainTime(ms: number): string {
  if (ms !== lastTime.ms) lastTime = { ms, text: new Date(ms).toISOString().slice(0, 23).replace('T', ' ') };
  return lastTime.text;
}

/** The chain's time text back to epoch ms. */
export function chainTimeMs(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`);
}
