import { fromAuditEventRow, type AuditChainRepository, type AuditEventRow } from '@audit/clickhouse';
import { ALL_ORGANIZATIONS, type StreamDefinition } from '../definition/stream-definition';
import type { StoredEvent } from '../projection/stored-record.decoder';

/** One run of an organization's chain read from ClickHouse, in sequence order, without copies. */
export interface BackfillRun {
  organizationId: string;
  firstSeq: number;
  lastSeq: number;
  events: StoredEvent[];
}

/**
 * Reads what a stream's start moment asks for from ClickHouse, for the time before the projection
 * topic holds it: per organization (the stream's, or all), every link from the first one stored at
 * or after `since` up to the head recorded in `audit_chain_heads` — a head is recorded only after
 * its rows are stored, so every link up to it is readable, with no hole from an insert in flight.
 */
export class BackfillReader {
  constructor(private readonly chains: Pick<AuditChainRepository, 'firstSeqsStoredSince' | 'latestHeads' | 'latestHead' | 'streamLinks'>) {}

  /** Each organization's recorded head: the backfill's end, and the seam below which topic records are copies. */
  async heads(definition: Pick<StreamDefinition, 'organizationId'>): Promise<Map<string, number>> {
    if (definition.organizationId === ALL_ORGANIZATIONS) return new Map((await this.chains.latestHeads()).map((head) => [head.organizationId, head.seq]));
    const head = await this.chains.latestHead(definition.organizationId);
    return new Map(head ? [[definition.organizationId, head.seq]] : []);
  }

  /** The runs from `since` up to `heads`, organization by organization (sorted), at most one query batch each. */
  async *runs(definition: Pick<StreamDefinition, 'organizationId'>, since: string, heads: Map<string, number>, signal?: AbortSignal): AsyncGenerator<BackfillRun> {
    const scope = definition.organizationId === ALL_ORGANIZATIONS ? 'all' : { organizationId: definition.organizationId };
    const starts = await this.chains.firstSeqsStoredSince(scope, since);
    for (const organizationId of [...starts.keys()].sort()) {
      const head = heads.get(organizationId) ?? 0;
      const first = starts.get(organizationId) as number;
      let next = first;
      for await (const links of this.chains.streamLinks(organizationId, first, head, signal)) {
        const events: StoredEvent[] = [];
        for (const link of links) {
          // Copies of a link (a replayed block not merged yet) come one after another: keep one.
          if (link.chain_seq < next) continue;
          events.push({ organizationId, seq: link.chain_seq, hash: link.chain_hash, prevHash: link.chain_prev_hash, event: fromAuditEventRow(link as unknown as AuditEventRow) });
          next = link.chain_seq + 1;
        }
        if (events.length > 0) yield { organizationId, firstSeq: events[0].seq, lastSeq: events[events.length - 1].seq, events };
      }
    }
  }
}
