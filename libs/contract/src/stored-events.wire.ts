/**
 * The records of the projection topic (`AUDIT_EVENTS_STORED_TOPIC`), written by the ingestor after
 * a block's rows and chain heads are stored and before its source offsets are committed, and read
 * by every outbound stream.
 *
 * - `events` record: key = organizationId; value = stored rows of that organization, one per line
 *   (`\n` between them), each exactly the JSONEachRow line inserted into `audit_events` (the
 *   link's canonical JSON continued by `chain_prev_hash`, `chain_hash` and the lineage columns);
 *   headers give the kind, the first and last `chain_seq` and the number of rows. Lines are
 *   consecutive links: `lastSeq - firstSeq + 1 === events`.
 * - `checkpoint` record: key = organizationId; value = one signed chain checkpoint as JSON
 *   (libs/integrity `SignedChainCheckpoint`).
 *
 * A replayed block republishes identical records: a reader drops what it has by (organization, seq).
 */
export const STORED_HEADERS = {
  kind: 'x-audit-stored-kind',
  firstSeq: 'x-audit-first-seq',
  lastSeq: 'x-audit-last-seq',
  events: 'x-audit-events',
} as const;

export type StoredRecordKind = 'events' | 'checkpoint';

/** One record to produce (kafkajs `Message`-compatible). */
export interface StoredRecord {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

const NEWLINE = 0x0a;

/**
 * Packs an organization's consecutive stored lines (chain_seq `firstSeq`, `firstSeq + 1`, …) into
 * `events` records of at most `maxBytes` each (a single longer line goes alone).
 */
export function packStoredLines(organizationId: string, lines: Uint8Array[], firstSeq: number, maxBytes: number): StoredRecord[] {
  const records: StoredRecord[] = [];
  let start = 0;
  while (start < lines.length) {
    let end = start;
    let bytes = 0;
    for (; end < lines.length; end++) {
      const next = bytes + (end > start ? 1 : 0) + lines[end].length;
      if (end > start && next > maxBytes) break;
      bytes = next;
    }
    const value = Buffer.allocUnsafe(bytes);
    for (let index = start, at = 0; index < end; index++) {
      if (index > start) value[at++] = NEWLINE;
      value.set(lines[index], at);
      at += lines[index].length;
    }
    records.push({
      key: organizationId,
      value,
      headers: {
        [STORED_HEADERS.kind]: 'events',
        [STORED_HEADERS.firstSeq]: String(firstSeq + start),
        [STORED_HEADERS.lastSeq]: String(firstSeq + end - 1),
        [STORED_HEADERS.events]: String(end - start),
      },
    });
    start = end;
  }
  return records;
}

/** The lines of newline-separated bytes (an `events` record's value, or an encoded block's body), without copying. */
export function splitLines(bytes: Uint8Array): Buffer[] {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lines: Buffer[] = [];
  for (let start = 0; start < buffer.length; ) {
    const end = buffer.indexOf(NEWLINE, start);
    const stop = end === -1 ? buffer.length : end;
    if (stop > start) lines.push(buffer.subarray(start, stop));
    start = stop + 1;
  }
  return lines;
}
