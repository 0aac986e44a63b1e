import { AuditEventsWriteRepository, chainedJsonEachRowLine, toAuditEventRow, type ClickHouseHandle } from '@audit/clickhouse';
import { makeAuditEvent, type AuditEvent } from '@audit/contract';
import { appendLink, chainTime, GENESIS, loadSigningKey, type ChainHead, type ChainState, type SigningKey } from '@audit/integrity';
import { generateKeyPairSync } from 'node:crypto';
import { uniqueName } from './test-services';

/** One stored link, as a test needs to find and tamper with it. */
export interface StoredTestLink {
  seq: number;
  eventId: string;
  occurredAt: string;
  hash: string;
}

export interface StoredTestChain {
  organizationId: string;
  links: StoredTestLink[];
  head: ChainState;
}

/** A fresh Ed25519 signing key, and its PKCS#8 PEM for AUDIT_CHAIN_SIGNING_KEY. */
export function testSigningKey(): { pem: string; key: SigningKey } {
  const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return { pem, key: loadSigningKey(pem) };
}

/** `count` events of one organization, one second apart, ending a minute ago. */
export function chainEvents(organizationId: string, count: number, end = Date.now() - 60_000): AuditEvent[] {
  return Array.from({ length: count }, (_, index) =>
    makeAuditEvent({ organizationId, occurredAt: new Date(end - (count - 1 - index) * 1000).toISOString(), resource: { id: `member_${index}` } }),
  );
}

export interface ChainLinesOptions {
  /** The lineage topic of every line, and the offset of the first (the next ones follow it). */
  lineageTopic?: string;
  firstOffset?: number;
  /**
   * Links carry their expiry, as the ingester's: retention counted from the later of `clock` (the
   * blocks' recorded clock, epoch ms) and the event's occurredAt; rows are stamped with the days.
   * Absent: links as stored before they carried one.
   */
  retention?: { clock: number; days: number };
}

/** One organization's events chained after `after`, each as the JSONEachRow line the ingester inserts (and publishes). */
export function chainLines(
  events: AuditEvent[],
  after: ChainHead & { expiresAt?: number } = GENESIS,
  options: ChainLinesOptions = {},
): { lines: string[]; links: StoredTestLink[]; head: ChainState } {
  const lines: string[] = [];
  const links: StoredTestLink[] = [];
  let head: ChainState = { expiresAt: 0, ...after };
  events.forEach((event, index) => {
    const lineage = { topic: options.lineageTopic ?? 'seed', partition: 0, offset: String((options.firstOffset ?? 0) + index) };
    const retention = options.retention && { countedFrom: Math.max(options.retention.clock, Date.parse(event.occurredAt)), retentionDays: options.retention.days };
    const link = appendLink(head, toAuditEventRow(event, lineage), retention);
    lines.push(chainedJsonEachRowLine(link.canonicalJson, { prevHash: link.prevHash, hash: link.head.hash }, lineage, options.retention?.days));
    links.push({ seq: link.head.seq, eventId: event.id.toLowerCase(), occurredAt: event.occurredAt, hash: link.head.hash });
    head = link.head;
  });
  return { lines, links, head };
}

export interface StoreChainOptions {
  after?: ChainState;
  blockRows?: number;
  recordHead?: boolean;
  /** As {@link ChainLinesOptions}'s. */
  retention?: ChainLinesOptions['retention'];
}

/**
 * Stores `events` as one organization's chain (continuing after `after`), the way the ingester
 * does — the canonical JSON starts each row's line, then the link and lineage columns — without
 * Kafka, and records the head after each block unless `recordHead` is false. Fast: a 100k-event
 * chain takes seconds.
 */
export async function storeChain(handle: ClickHouseHandle, database: string, events: AuditEvent[], options: StoreChainOptions = {}): Promise<StoredTestChain> {
  const writer = new AuditEventsWriteRepository(handle.client, database, handle.chdb);
  const organizationId = events[0].organizationId;
  const blockRows = options.blockRows ?? 50_000;
  const links: StoredTestLink[] = [];
  let head = options.after ?? GENESIS;
  for (let start = 0; start < events.length; start += blockRows) {
    const before = head;
    const block = chainLines(events.slice(start, start + blockRows), head, { firstOffset: start, retention: options.retention });
    links.push(...block.links);
    head = block.head;
    const token = uniqueName('chain-seed');
    await writer.insertJsonEachRow(Buffer.from(`${block.lines.join('\n')}\n`), { deduplicationToken: token });
    if (options.recordHead !== false) {
      await writer.insertChainHeads(
        [
          {
            organization_id: organizationId,
            chain_seq: head.seq,
            chain_hash: head.hash,
            prev_seq: before.seq,
            prev_hash: before.hash,
            expires_at: chainTime(head.expiresAt),
            prev_expires_at: chainTime(before.expiresAt),
            kafka_topic: 'seed',
            kafka_partition: 0,
            first_offset: String(start),
            last_offset: String(start + block.lines.length - 1),
          },
        ],
        { deduplicationToken: `${token}-head` },
      );
    }
  }
  return { organizationId, links, head };
}
