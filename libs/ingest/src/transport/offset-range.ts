/** An inclusive range of Kafka offsets of one partition: the unit of one insert. */
export interface OffsetRange {
  first: string;
  last: string;
}

/** ClickHouse drops a block whose token it has already seen, so a replayed range is stored once. */
export function deduplicationToken(topic: string, partition: number, range: OffsetRange): string {
  return `${topic}:${partition}:${range.first}-${range.last}`;
}

/**
 * A block's range and its clock: the epoch ms the contract's time rule (occurredAt at most an hour
 * ahead) is checked against. Recorded together, so every attempt at the block — a retry in this
 * process, a replay in the next owner — refuses and accepts the same events and sends the same
 * bytes under the same token. A new clock could accept an event the landed attempt dead-lettered,
 * and ClickHouse would drop the changed block as a copy: the event neither stored nor dead-lettered.
 */
export interface RecordedRange extends OffsetRange {
  /** Absent in ranges recorded before blocks carried a clock: their replay uses the time it runs. */
  clock?: number;
}

const PENDING_PREFIX = 'audit-ingest/pending:';

/**
 * Commit metadata recorded, at the unchanged committed offset, before a range is inserted. Whoever
 * owns the partition next (this process after a crash, another after a rebalance) replays exactly
 * this range first, at the same clock, so its insert carries the same token and the same bytes as
 * the attempt that may have landed.
 */
export function pendingMetadata(range: Required<RecordedRange>): string {
  return `${PENDING_PREFIX}${range.first}-${range.last};clock=${range.clock}`;
}

/** The pending range recorded at `committedOffset`, if the metadata holds one that starts there. */
export function parsePendingMetadata(metadata: string | null | undefined, committedOffset: string): RecordedRange | undefined {
  if (!metadata?.startsWith(PENDING_PREFIX)) return undefined;
  const match = /^(\d+)-(\d+)(?:;clock=(\d+))?$/.exec(metadata.slice(PENDING_PREFIX.length));
  if (!match || match[1] !== committedOffset || BigInt(match[2]) < BigInt(match[1])) return undefined;
  return match[3] === undefined ? { first: match[1], last: match[2] } : { first: match[1], last: match[2], clock: Number(match[3]) };
}

export function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}
