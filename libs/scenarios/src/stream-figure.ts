/** The line each stream fault run prints: what was stored, what the receiver got, lost, doubled or uncovered. */
export interface StreamFaultFigure {
  scenario: string;
  seed: number;
  /** Events acknowledged by the broker. */
  produced: number;
  /** Links stored (and published to the projection topic) by the ingester. */
  stored: number;
  /** Events the receiver acknowledged, copies included. */
  delivered: number;
  /** Distinct (organization, seq) received. */
  unique: number;
  /** delivered − unique: copies, dropped by the receiver by sequence. */
  duplicates: number;
  /** Stored links never received. */
  lost: number;
  /** Stored links no received range covers: a gap a receiver would see. */
  gaps: number;
}
