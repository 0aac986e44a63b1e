import type { RetainedLink } from '@audit/clickhouse';
import { chainTimeMs, DAY_MS, GENESIS_HASH, walkChain, type ChainBreak, type ChainHead, type SignedExpiryStatement } from '@audit/integrity';

/** Reads an organization's links in chain order (AuditChainRepository.streamLinks). */
export type LinkSource = (organizationId: string, fromSeq: number, toSeq: number) => AsyncIterable<RetainedLink[]>;

/** The expired prefix after the previous statement: its last link and the latest expiry in it, or the break that stops it. */
export type ExpiredPrefix = { last: ChainHead; expiredAt: number } | { break: ChainBreak } | undefined;

/**
 * When a link expires: its own `expires_at`, which its hash covers; for a link stored before links
 * carried one, retention counted from its event's time with the longer of the retention it was
 * stored with and the organization's retention now (its `retention_days` is not hashed, so a
 * rewritten one can only keep it longer).
 */
export function effectiveExpiry(link: RetainedLink, retentionDays: number): number {
  if (link.expires_at != null) return chainTimeMs(link.expires_at);
  return chainTimeMs(link.occurred_at) + Math.max(link.retention_days, retentionDays) * DAY_MS;
}

/**
 * Finds how far an organization's links have expired after its previous statement, up to `limit`,
 * verifying each link on the way (walkChain, from the hash the previous statement signed): a
 * statement is only ever signed over links the job itself found intact, so it can never make
 * deleted or rewritten rows look expired. The first link still unexpired ends the prefix; link
 * `from + 1` is read alone first, so an organization with nothing expired costs one point query.
 */
export async function expiredPrefix(
  links: LinkSource,
  organizationId: string,
  previous: SignedExpiryStatement | undefined,
  limit: number,
  now: number,
  retentionDays: number,
): Promise<ExpiredPrefix> {
  const from = previous?.chainSeq ?? 0;
  let expiredAt = previous ? Date.parse(previous.expiredAt) : 0;
  let unexpired = false;
  async function* expired(): AsyncGenerator<RetainedLink[]> {
    for (const [low, high] of [[from + 1, from + 1], [from + 2, limit]]) {
      for await (const batch of links(organizationId, low, high)) {
        const cut = batch.findIndex((link) => effectiveExpiry(link, retentionDays) > now);
        const kept = cut < 0 ? batch : batch.slice(0, cut);
        for (const link of kept) expiredAt = Math.max(expiredAt, effectiveExpiry(link, retentionDays));
        if (kept.length > 0) yield kept;
        if (cut >= 0) {
          unexpired = true;
          return;
        }
      }
    }
  }
  const report = await walkChain(expired(), {
    organizationId,
    startSeq: from + 1,
    startPrevHash: previous?.chainHash ?? GENESIS_HASH,
    startsAfterExpiry: previous !== undefined,
    // Links up to `limit` are stored (a head record names them): one missing is a break, even at the end.
    anchors: [],
    toEnd: false,
  });
  if (report.firstBreak) return { break: report.firstBreak };
  const lastSeq = report.lastSeq ?? from;
  if (!unexpired && lastSeq < limit) {
    return { break: { seq: lastSeq + 1, eventId: null, kind: 'missing', expected: `seq ${lastSeq + 1}`, found: lastSeq > from ? `seq ${lastSeq}` : 'no rows', detail: `links ${lastSeq + 1} to ${limit} are recorded but not stored` } };
  }
  return report.head && lastSeq > from ? { last: report.head, expiredAt } : undefined;
}
