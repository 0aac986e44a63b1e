import type { KafkaMessage } from 'kafkajs';
import { ALL_ORGANIZATIONS, type StreamDefinition } from '../definition/stream-definition';
import type { RecordFormatterPool } from '../projection/record-formatter.pool';
import { formatRecordLines, type FormatJob, type FormattedLines } from '../projection/record-lines.formatter';
import { SequenceGate } from '../projection/sequence.gate';
import { PendingStoredEvent, viewStoredRecord } from '../projection/stored-record.decoder';
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
 * dropped by the {@link SequenceGate}; the events left are decoded and filtered — and serialized in
 * the stream's format when its destination splices them — by the formatter (threads beside the
 * delivery's), while the gate moves at the call: calls made in record order pass records in that
 * order, whenever their formatting finishes. A record at which an earlier run was cut short
 * (`resumeAt`) continues after the sequence it reached.
 */
export class StreamRecordReader {
  readonly counts: ReadCounts = { seen: 0, records: 0, events: 0, duplicatesDropped: 0, gaps: 0 };
  private readonly resumeAt = new Map<number, { offset: string; seq: number }>();

  constructor(
    private readonly definition: Pick<StreamDefinition, 'organizationId' | 'filter' | 'format'>,
    private readonly options: { formatter?: Pick<RecordFormatterPool, 'format'>; serialize?: boolean } = {},
    readonly gate: SequenceGate = new SequenceGate(),
  ) {}

  /** Records the sequence an earlier run reached inside the record at `offset` (the commit's metadata). */
  resumeInside(partition: number, offset: string, seq: number): void {
    this.resumeAt.set(partition, { offset, seq });
  }

  /** Passes the record through the gate now; resolves once its events are formatted. */
  read(partition: number, message: KafkaMessage, now = Date.now()): Promise<DeliveryItem> | DeliveryItem {
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
    const skip = admission.from - record.firstSeq;
    const job: FormatJob = { value: record.value, skip, filter: this.definition.filter, format: this.definition.format, serialize: this.options.serialize ?? false };
    const toItem = ({ kept, bytes, json, ends }: FormattedLines): DeliveryItem => {
      const lines = record.lines().slice(skip);
      const events = kept.map((index, at) => new PendingStoredEvent(record.organizationId, admission.from + index, lines[index], json && ends ? Buffer.from(json.buffer, json.byteOffset + (at === 0 ? 0 : ends[at - 1]), ends[at] - (at === 0 ? 0 : ends[at - 1])) : undefined));
      return { ...base, coverage: { firstSeq: admission.from, lastSeq: record.lastSeq }, events, bytes };
    };
    return this.options.formatter ? this.options.formatter.format(job).then(toItem) : toItem(formatRecordLines(job));
  }
}
