/** An inclusive range of Kafka offsets of one partition: the unit of one insert. */
export interface OffsetRange {
  first: string;
  last: string;
}

/** ClickHouse drops a block whose token it has already seen, so a replayed range is stored once. */
export function deduplicationToken(topic: string, partition: number, range: OffsetRange): string {
  return `${topic}:${partition}:${range.first}-${range.last}`;
}

const PENDING_PREFIX = 'audit-ingest/pending:';

/**
 * Commit metadata recorded, at the unchanged committed offset, before a range is inserted. Whoever
 * owns the partition next (this process after a crash, another after a rebalance) replays exactly
 * this range first, so its insert carries the same token as the attempt that may have landed.
 */
export function pendingMetadata(range: OffsetRange): string {
  return `${PENDING_PREFIX}${range.first}-${range.last}`;
}

/** The pending range recorded at `committedOffset`, if the metadata holds one that starts there. */
export function parsePendingMetadata(metadata: string | null | undefined, committedOffset: string): OffsetRange | undefined {
  if (!metadata?.startsWith(PENDING_PREFIX)) return undefined;
  const match = /^(\d+)-(\d+)$/.exec(metadata.slice(PENDING_PREFIX.length));
  if (!match || match[1] !== committedOffset || BigInt(match[2]) < BigInt(match[1])) return undefined;
  return { first: match[1], last: match[2] };
}

export function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}
