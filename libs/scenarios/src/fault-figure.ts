import type { StoredCounts } from '@audit/testing';

/** The line each fault run prints (issue #9): what went in, what is stored, what was lost or doubled. */
export interface FaultFigure {
  scenario: string;
  seed: number;
  /** Valid events acknowledged by the broker. */
  produced: number;
  /** `count()` of the audit table. */
  stored: number;
  /** `uniqExact(event_id)` of the audit table. */
  unique: number;
  /** Messages on the main topic: above `produced` when the producer wrote a retried batch twice. */
  onTopic: number;
  /** Messages on the dead-letter topic. */
  deadLettered: number;
  /** produced − unique. */
  lost: number;
  /** stored − unique. */
  duplicated: number;
}

export function faultFigure(scenario: string, seed: number, produced: number, onTopic: number, counts: StoredCounts, deadLettered: number): FaultFigure {
  return { scenario, seed, produced, onTopic, stored: counts.rows, unique: counts.ids, deadLettered, lost: produced - counts.ids, duplicated: counts.rows - counts.ids };
}

export function printFigure(figure: FaultFigure | object): void {
  process.stdout.write(`${JSON.stringify(figure)}\n`);
}
