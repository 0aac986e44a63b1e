/** One item a receiver got, in any of the streams' shapes (v1 event, OCSF event, checkpoint, coverage). */
type Item = Record<string, unknown>;

export interface LedgerReport {
  /** Events received, copies included. */
  delivered: number;
  /** Distinct (organization, seq). */
  unique: number;
  /** delivered − unique. */
  duplicates: number;
  /** Expected (organization, seq) never received. */
  missing: number;
  /** Sequences not covered by any range or coverage item (the gap proof a receiver does). */
  uncovered: number;
  checkpoints: number;
}

/**
 * What a test receiver keeps of every delivery: each event's (organization, seq, id), the covered
 * ranges, the checkpoints — and the checks a real receiver does: copies by (organization, seq),
 * gaps by the ranges each batch states.
 */
export class DeliveryLedger {
  readonly seen = new Map<string, Map<number, string>>();
  private readonly covered = new Map<string, Array<[number, number]>>();
  delivered = 0;
  checkpoints: Item[] = [];
  /** Receive time of each (organization, seq) first seen, ms. */
  readonly firstSeenAt = new Map<string, number>();

  /** Takes one item: a v1 event (`kind: 'event'`), an OCSF event (`class_uid`), a checkpoint or a coverage item. */
  item(item: Item, now = Date.now()): void {
    if (item.class_uid !== undefined) {
      const metadata = item.metadata as { tenant_uid: string; sequence: number; uid: string };
      return this.event(metadata.tenant_uid, metadata.sequence, metadata.uid, now);
    }
    if (item.kind === 'event') return this.event(item.organizationId as string, item.seq as number, (item.event as { id: string }).id, now);
    if (item.kind === 'checkpoint') return void this.checkpoints.push(item);
    if (item.kind === 'coverage') return this.range(item.organizationId as string, item.firstSeq as number, item.lastSeq as number);
    throw new Error(`the receiver got an item of no known kind: ${JSON.stringify(item).slice(0, 200)}`);
  }

  range(organizationId: string, firstSeq: number, lastSeq: number): void {
    const ranges = this.covered.get(organizationId) ?? [];
    ranges.push([firstSeq, lastSeq]);
    this.covered.set(organizationId, ranges);
  }

  private event(organizationId: string, seq: number, id: string, now: number): void {
    if (seq === 0) return; // a test event (POST /v1/streams/:id/test) is outside the chain
    this.delivered += 1;
    const seqs = this.seen.get(organizationId) ?? new Map<number, string>();
    this.seen.set(organizationId, seqs);
    if (seqs.has(seq) && seqs.get(seq) !== id) throw new Error(`${organizationId} seq ${seq} arrived as ${id} and as ${seqs.get(seq)}`);
    if (!seqs.has(seq)) this.firstSeenAt.set(`${organizationId}:${seq}`, now);
    seqs.set(seq, id);
  }

  /** Against what was stored: each organization's sequences `from..to` (default from 1). */
  report(expected: Map<string, { from?: number; to: number }>): LedgerReport {
    let unique = 0;
    let missing = 0;
    let uncovered = 0;
    for (const seqs of this.seen.values()) unique += seqs.size;
    for (const [organizationId, { from = 1, to }] of expected) {
      const seqs = this.seen.get(organizationId);
      const ranges = this.covered.get(organizationId) ?? [];
      for (let seq = from; seq <= to; seq++) {
        if (!seqs?.has(seq)) missing += 1;
        if (!ranges.some(([first, last]) => first <= seq && seq <= last)) uncovered += 1;
      }
    }
    return { delivered: this.delivered, unique, duplicates: this.delivered - unique, missing, uncovered, checkpoints: this.checkpoints.length };
  }
}
