import { ByteWriter, varintBytesSize, varintSize } from '../produce-encoding/byte.writer';
/**
 * The header kafkajs hands the consumer on each record of a batch that could not be decompressed
 * (past the limit, or bytes no decoder accepts): the record has no key and no value, only this
 * header, whose value says why. The ingestor dead-letters such records with that reason.
 */
export const UNDECODABLE_BATCH_HEADER = 'x-audit-undecodable-batch';

/** Records a batch may stand for: each costs the consumer an object, so a batch of millions of tiny records is refused whole rather than spelled out. */
export const MAX_UNDECODABLE_RECORDS = 100_000;

/** Byte positions in a v2 record batch from its first byte (Kafka's DefaultRecordBatch layout). */
const LENGTH_AT = 8;
const MAGIC_AT = 16;
const LAST_OFFSET_DELTA_AT = 23;
const RECORD_COUNT_AT = 57;
const RECORDS_AT = 61;

/**
 * What kafkajs decodes in place of a batch it cannot decompress: one record per record of the batch,
 * at its offset, carrying {@link UNDECODABLE_BATCH_HEADER}, so every offset reaches the consumer,
 * is accounted for (dead-lettered with its reason) and committed, and the partition moves on.
 *
 * A codec sees only the compressed bytes, but kafkajs hands it a slice of the fetch response: the
 * batch header sits just before it in the same memory. It is read there and checked (magic 2, a
 * length that ends exactly where the slice ends, a record count the offsets can hold); anything else
 * returns undefined and the caller fails the fetch as before.
 */
export function undecodableBatchRecords(compressed: Buffer, reason: string): Buffer | undefined {
  if (compressed.byteOffset < RECORDS_AT) return undefined;
  const header = Buffer.from(compressed.buffer, compressed.byteOffset - RECORDS_AT, RECORDS_AT);
  const count = header.readInt32BE(RECORD_COUNT_AT);
  const lastOffsetDelta = header.readInt32BE(LAST_OFFSET_DELTA_AT);
  const wellFormed = header[MAGIC_AT] === 2 && header.readInt32BE(LENGTH_AT) === RECORDS_AT - LENGTH_AT - 4 + compressed.length;
  if (!wellFormed || count < 1 || count > lastOffsetDelta + 1 || count > MAX_UNDECODABLE_RECORDS) return undefined;
  const name = Buffer.from(UNDECODABLE_BATCH_HEADER);
  const value = Buffer.from(reason.slice(0, 200));
  // Offsets 0…count-2, and the batch's last offset for the last record, so the consumer's
  // position ends where the batch ends even if the producer's offsets had gaps.
  const offsetDeltaOf = (index: number) => (index === count - 1 ? lastOffsetDelta : index);
  // A record: attributes, timestamp delta 0, its offset delta, no key, no value, one header.
  const bodySize = (offsetDelta: number) => 1 + varintSize(0) + varintSize(offsetDelta) + 2 * varintBytesSize(null) + varintSize(1) + varintBytesSize(name) + varintBytesSize(value);
  let size = 0;
  for (let index = 0; index < count; index += 1) size += varintSize(bodySize(offsetDeltaOf(index))) + bodySize(offsetDeltaOf(index));
  const writer = new ByteWriter(Buffer.allocUnsafe(size));
  for (let index = 0; index < count; index += 1) {
    const offsetDelta = offsetDeltaOf(index);
    writer.varint(bodySize(offsetDelta));
    writer.int8(0);
    writer.varint(0);
    writer.varint(offsetDelta);
    writer.varintBytes(null);
    writer.varintBytes(null);
    writer.varint(1);
    writer.varintBytes(name);
    writer.varintBytes(value);
  }
  return writer.buffer;
}
