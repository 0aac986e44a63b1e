/** What a record of `firstSeq..lastSeq` brings that a stream has not passed yet. */
export interface Admission {
  /** First new sequence (from here to the record's last is new; past its last: nothing is). */
  from: number;
  /** Sequences of the record at or below what was already passed (replays, a seam overlap). */
  duplicates: number;
  /** Sequences missing between what was passed and this record (expected 0). */
  gap: number;
}

/**
 * Each organization's highest sequence a stream has passed (delivered, or covered by its filter),
 * so a record republished by a replayed ingest block, or one the backfill already delivered, is
 * dropped whole or in part. Bounded: past `capacity` organizations the oldest is forgotten (a
 * forgotten one can only cause a copy, never a gap).
 */
export class SequenceGate {
  private readonly passed = new Map<string, number>();

  constructor(private readonly capacity = 100_000) {}

  /** What is new in a record of `firstSeq..lastSeq`: nothing when `from > lastSeq`. */
  admit(organizationId: string, firstSeq: number, lastSeq: number): Admission {
    const passed = this.passed.get(organizationId);
    if (passed === undefined) return { from: firstSeq, duplicates: 0, gap: 0 };
    return {
      from: Math.max(firstSeq, passed + 1),
      duplicates: Math.max(0, Math.min(lastSeq, passed) - firstSeq + 1),
      gap: Math.max(0, firstSeq - passed - 1),
    };
  }

  /** Records that everything of the organization up to `seq` has been passed. */
  pass(organizationId: string, seq: number): void {
    if ((this.passed.get(organizationId) ?? 0) >= seq) return;
    this.passed.delete(organizationId);
    if (this.passed.size >= this.capacity) this.passed.delete(this.passed.keys().next().value as string);
    this.passed.set(organizationId, seq);
  }
}
