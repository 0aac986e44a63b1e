import type { KafkaMessage } from 'kafkajs';
import { ALL_ORGANIZATIONS, type StreamDefinition } from '../definition/stream-definition';
import { SequenceGate } from '../projection/sequence.gate';
import { passesFilter } from '../projection/stream.filter';
import { decodeStoredLine, viewStoredRecord } from '../projection/stored-record.decoder';
import type { DeliveryItem } from './delivery-item';

/** What reading has found so far (counts for the stream's status). */
export interface ReadCounts {
  /** Records read, of any organization. */
  seen: number;
  /** Records of the stream's organizations. */
  records: number;
  /** Events in the records of the stream's organizations (kept or filtered), for lag estimates. */
  events: number;
  duplicatesDropped: number;
  gaps: number;
}

/**
 * Turns projection records into a stream's delivery items: records of other organizations pass
 * by their position only (read from the key, never parsed); copies of what was already passed are
 * dropped by the {@link SequenceGate}; the events left are decoded and filtered. A record at which
 * an earlier run was cut short (`resumeAt`) continues after the sequence it reached.
 */
export class StreamRecordReader {
  readonly counts: ReadCounts = { seen: 0, records: 0, events: 0, duplicatesDropped: 0, gaps: 0 };
  private readonly resumeAt = new Map<number, { offset: string; seq: number }>();

  constructor(
    private readonly definition: Pick<StreamDefinition, 'organizationId' | 'filter'>,
    readonly gate: SequenceGate = new SequenceGate(),
  ) {}

  /** Records the sequence an earlier run reached inside the record at `offset` (the commit's metadata). */
  resumeInside(partition: number, offset: string, seq: number): void {
    this.resumeAt.set(partition, { offset, seq });
  }

  read(partition: number, message: KafkaMessage, now = Date.now()): DeliveryItem {
    const record = viewStoredRecord(message);
    const base = { source: { partition, offset: message.offset }, organizationId: record.organizationId, events: [], bytes: 0, storedAt: Number(message.timestamp), readAt: now };
    const { organizationId } = this.definition;
    this.counts.seen += 1;
    if (organizationId !== ALL_ORGANIZATIONS && record.organizationId !== organizationId) return base;
    if (record.kind === 'checkpoint') return { ...base, checkpoint: record.checkpoint() };
    this.counts.records += 1;
    this.counts.events += record.lastSeq - record.firstSeq + 1;
    const resume = this.resumeAt.get(partition);
    if (resume?.offset === message.offset) {
      this.gate.pass(record.organizationId, resume.seq);
      this.resumeAt.delete(partition);
    }
    const admission = this.gate.admit(record.organizationId, record.firstSeq, record.lastSeq);
    this.counts.duplicatesDropped += admission.duplicates;
    this.counts.gaps += admission.gap;
    if (admission.from > record.lastSeq) return base;
    this.gate.pass(record.organizationId, record.lastSeq);
    const lines = record.lines().slice(admission.from - record.firstSeq);
    const events = lines.map(decodeStoredLine).filter((stored) => passesFilter(this.definition.filter, stored.event));
    const bytes = events.length === lines.length ? lines.reduce((sum, line) => sum + line.length, 0) : events.length * (lines.reduce((sum, line) => sum + line.length, 0) / lines.length);
    return { ...base, coverage: { firstSeq: admission.from, lastSeq: record.lastSeq }, events, bytes };
  }
}
