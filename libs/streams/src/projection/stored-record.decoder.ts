import { fromAuditEventRow, type AuditEventRow } from '@audit/clickhouse';
import { splitLines, STORED_HEADERS, type AuditEvent } from '@audit/contract';
import type { SignedChainCheckpoint } from '@audit/integrity';
import type { KafkaMessage } from 'kafkajs';

/** One stored event as a stream delivers it: the v1 event and its link in the organization's chain. */
export interface StoredEvent {
  organizationId: string;
  seq: number;
  hash: string;
  prevHash: string;
  event: AuditEvent;
  /** The event in its stream's format as JSON, when a formatter made it: a destination with a batch envelope splices these bytes. */
  formatted?: Buffer;
}

/** A projection record, read from its key and headers only; the lines are decoded on demand. */
export type StoredRecordView =
  | { kind: 'events'; organizationId: string; firstSeq: number; lastSeq: number; value: Buffer; lines: () => Buffer[] }
  | { kind: 'checkpoint'; organizationId: string; checkpoint: () => SignedChainCheckpoint };

const header = (message: KafkaMessage, name: string) => message.headers?.[name]?.toString();

/**
 * Reads a record of the projection topic (libs/contract `stored-events.wire.ts`). A stream skips
 * most records on their key and sequence range alone, so the lines are split and parsed only when
 * asked. Throws on a record that is not of that format, naming the offset.
 */
export function viewStoredRecord(message: KafkaMessage): StoredRecordView {
  const organizationId = message.key?.toString() ?? '';
  const kind = header(message, STORED_HEADERS.kind);
  if (organizationId === '' || !message.value) throw new Error(`projection record at offset ${message.offset} has no key or no value`);
  const value = message.value;
  if (kind === 'checkpoint') return { kind, organizationId, checkpoint: () => JSON.parse(value.toString()) as SignedChainCheckpoint };
  const firstSeq = Number(header(message, STORED_HEADERS.firstSeq));
  const lastSeq = Number(header(message, STORED_HEADERS.lastSeq));
  if (kind !== 'events' || !Number.isSafeInteger(firstSeq) || !Number.isSafeInteger(lastSeq) || firstSeq < 1 || lastSeq < firstSeq) {
    throw new Error(`projection record at offset ${message.offset} has no valid kind or sequence range`);
  }
  return { kind, organizationId, firstSeq, lastSeq, value, lines: () => splitLines(value) };
}

type StoredLine = AuditEventRow & { chain_seq: number; chain_hash: string; chain_prev_hash: string };

/** One stored line (the row as inserted into `audit_events`) as the event and its link. */
export function decodeStoredLine(line: Buffer | string): StoredEvent {
  const row = JSON.parse(typeof line === 'string' ? line : line.toString()) as StoredLine;
  return { organizationId: row.organization_id, seq: Number(row.chain_seq), hash: row.chain_hash, prevHash: row.chain_prev_hash, event: fromAuditEventRow(row) };
}

/**
 * A stored event a formatter already filtered (and maybe serialized): its place is known from the
 * record, and the line is decoded only if a destination reads more than `formatted` — once.
 */
export class PendingStoredEvent implements StoredEvent {
  private decoded?: StoredEvent;

  constructor(
    readonly organizationId: string,
    readonly seq: number,
    private readonly line: Buffer,
    readonly formatted?: Buffer,
  ) {}

  get hash(): string {
    return this.full().hash;
  }

  get prevHash(): string {
    return this.full().prevHash;
  }

  get event(): AuditEvent {
    return this.full().event;
  }

  private full(): StoredEvent {
    return (this.decoded ??= decodeStoredLine(this.line));
  }
}
