import { createRequire } from 'node:module';
import { crc32c } from '../crc32c.patch';
import { ByteWriter, stringSize, varintBytesSize, varintSize, varlongSize, type VarintBytes } from './byte.writer';
import { encoderHolding, type KafkajsEncoder } from './kafkajs-encoder';

const requireHere = createRequire(__filename);
const { lookupCodec } = requireHere('kafkajs/src/protocol/message/compression') as { lookupCodec(type: number): { compress(records: KafkajsEncoder): Promise<unknown> } };
const Long = requireHere('kafkajs/src/utils/long') as { fromInt(value: number): unknown };

/** A message as kafkajs's producer hands it to a produce request. */
export interface ProducedMessage {
  key?: VarintBytes;
  value: VarintBytes;
  headers?: Record<string, VarintBytes | VarintBytes[]>;
  /** Epoch ms, as text (kafkajs's type) or a number (which kafkajs takes too). */
  timestamp?: string | number | null;
}

/** What kafkajs's produce request v3–v7 takes (`protocol({ version })(args)`). */
export interface ProduceArgs {
  acks: number;
  timeout: number;
  compression?: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  topicData: Array<{ topic: string; partitions: Array<{ partition: number; firstSequence?: number; messages: ProducedMessage[] }> }>;
}

/** A record batch's bytes before its records (Kafka's DefaultRecordBatch, from the first offset to the record count). */
const BATCH_HEADER_BYTES = 61;
/** The batch's LENGTH counts from after itself: the first offset (8) and the length (4) are outside it. */
const BATCH_LENGTH_EXCLUDES = 12;
const MAGIC = 2;
const COMPRESSION_CODEC_MASK = 0x07;
const TRANSACTIONAL_FLAG = 0x10;

const isBytes = (value: unknown): boolean => value === null || value === undefined || typeof value === 'string' || Buffer.isBuffer(value);
const isHeaderValue = (value: unknown): boolean => typeof value === 'string' || Buffer.isBuffer(value);

/**
 * Whether every message has the types kafkajs declares (key and value: Buffer, string or null;
 * header values: Buffer or string, or arrays of them; timestamp: text or a number). For these the
 * sizes measured here are the bytes written. Anything else (a Uint8Array, which kafkajs writes as
 * the text "1,2,3" while counting its bytes; a number, on which it throws) is left to kafkajs.
 */
export function hasDeclaredTypes(args: ProduceArgs): boolean {
  return args.topicData.every(({ partitions }) =>
    partitions.every(({ messages }) =>
      messages.every(
        ({ key, value, headers, timestamp }) =>
          isBytes(key) &&
          isBytes(value) &&
          (timestamp === null || timestamp === undefined || typeof timestamp === 'string' || typeof timestamp === 'number') &&
          (headers === undefined ||
            (typeof headers === 'object' && headers !== null && !Array.isArray(headers) && Object.values(headers).every((header) => (Array.isArray(header) ? header.every(isHeaderValue) : isHeaderValue(header))))),
      ),
    ),
  );
}

interface SizedRecord {
  message: ProducedMessage;
  headers: Array<[string, VarintBytes]>;
  timestampDelta: number;
  /** The record's LENGTH varint: its bytes after that varint. */
  bodyBytes: number;
}

interface SizedBatch {
  partition: number;
  firstSequence: number;
  firstTimestamp: string | number;
  maxTimestamp: string | number;
  records: SizedRecord[];
  /** The records as the batch carries them: compressed, or undefined when they are written in place. */
  compressed: Buffer | undefined;
  recordsBytes: number;
}

/**
 * One partition's batch, measured. Timestamps follow kafkajs's produce v3 `partitionsEncoder` to the
 * letter: `Date.now()` once per partition for records without one, and its `.sort()`, which orders
 * them as text ('1000' before '999').
 */
async function sizedBatch(partition: ProduceArgs['topicData'][number]['partitions'][number], compression: number): Promise<SizedBatch> {
  const dateNow = Date.now();
  const timestamps = partition.messages.map((message) => message.timestamp).filter((timestamp) => timestamp != null) as Array<string | number>;
  timestamps.sort();
  const firstTimestamp = timestamps.length === 0 ? dateNow : timestamps[0];
  const maxTimestamp = timestamps.length === 0 ? dateNow : timestamps[timestamps.length - 1];
  let recordsBytes = 0;
  const records = partition.messages.map((message, offsetDelta): SizedRecord => {
    const headers = Object.entries(message.headers ?? {}).flatMap(([name, value]): Array<[string, VarintBytes]> => (Array.isArray(value) ? value.map((item) => [name, item]) : [[name, value]]));
    // JavaScript's `-` on text or numbers, as kafkajs writes it.
    const timestampDelta = Number(message.timestamp || dateNow) - Number(firstTimestamp);
    let bodyBytes = 1 + varlongSize(timestampDelta) + varintSize(offsetDelta) + varintBytesSize(message.key) + varintBytesSize(message.value) + varintSize(headers.length);
    for (const [name, value] of headers) bodyBytes += varintBytesSize(name) + varintBytesSize(value);
    recordsBytes += varintSize(bodyBytes) + bodyBytes;
    return { message, headers, timestampDelta, bodyBytes };
  });
  let compressed: Buffer | undefined;
  if (compression !== 0) {
    const plain = new ByteWriter(Buffer.allocUnsafe(recordsBytes));
    writeRecords(plain, records);
    const output = await lookupCodec(compression).compress(encoderHolding(plain.buffer));
    if (!Buffer.isBuffer(output)) throw new Error(`produce encoding: compression codec ${compression} returned ${typeof output}, not a Buffer`);
    compressed = output;
    recordsBytes = output.length;
  }
  return { partition: partition.partition, firstSequence: partition.firstSequence === undefined ? 0 : partition.firstSequence, firstTimestamp, maxTimestamp, records, compressed, recordsBytes };
}

/** Records as kafkajs's `recordBatch/record/v0` writes them. */
function writeRecords(writer: ByteWriter, records: SizedRecord[]): void {
  records.forEach(({ message, headers, timestampDelta, bodyBytes }, offsetDelta) => {
    writer.varint(bodyBytes);
    writer.int8(0); // attributes: none
    writer.varlong(timestampDelta);
    writer.varint(offsetDelta);
    writer.varintBytes(message.key);
    writer.varintBytes(message.value);
    writer.varint(headers.length);
    for (const [name, value] of headers) {
      writer.varintBytes(name);
      writer.varintBytes(value);
    }
  });
}

/** A record batch as kafkajs's `recordBatch/v0` writes it; its CRC-32C is computed over the bytes in place. */
function writeBatch(writer: ByteWriter, batch: SizedBatch, attributes: number, producerId: unknown, producerEpoch: number): void {
  writer.int64(0); // first offset: the broker assigns it
  writer.int32(BATCH_HEADER_BYTES - BATCH_LENGTH_EXCLUDES + batch.recordsBytes);
  writer.int32(0); // partition leader epoch
  writer.int8(MAGIC);
  const crcAt = writer.at;
  writer.at += 4; // written once the bytes it covers are
  const crcFrom = writer.at;
  writer.int16(attributes);
  writer.int32(batch.records.length - 1);
  writer.int64(batch.firstTimestamp);
  writer.int64(batch.maxTimestamp);
  writer.int64(producerId);
  writer.int16(producerEpoch);
  writer.int32(batch.firstSequence);
  writer.int32(batch.records.length);
  if (batch.compressed) writer.raw(batch.compressed);
  else writeRecords(writer, batch.records);
  writer.buffer.writeUInt32BE(crc32c(writer.buffer.subarray(crcFrom, writer.at)), crcAt);
}

/**
 * A produce request v3–v7 body, byte for byte what kafkajs's `requests/produce/v3` writes, into one
 * buffer of the exact size from `Buffer.allocUnsafe`, after `headroom` bytes left free for whoever
 * writes a header in front of it. kafkajs builds the same bytes through an Encoder per record, per
 * header and per level (batch body, batch, partition, topic, request), each copying the one below into
 * a zero-filled buffer that doubles as it grows: a value crosses memory about ten times. Here it is
 * copied once. Defaults are kafkajs's, applied as it applies them (to undefined only).
 */
export async function encodeProduceRequest(
  { acks, timeout, compression = 0, transactionalId = null, producerId = Long.fromInt(-1), producerEpoch = 0, topicData }: ProduceArgs,
  headroom: number,
): Promise<Buffer> {
  let bytes = stringSize(transactionalId) + 2 + 4 + 4;
  const batches: SizedBatch[] = [];
  for (const { topic, partitions } of topicData) {
    bytes += stringSize(topic) + 4;
    for (const partition of partitions) {
      const batch = await sizedBatch(partition, compression);
      batches.push(batch);
      bytes += 4 + 4 + BATCH_HEADER_BYTES + batch.recordsBytes;
    }
  }
  const attributes = (compression & COMPRESSION_CODEC_MASK) | (transactionalId ? TRANSACTIONAL_FLAG : 0);
  const writer = new ByteWriter(Buffer.allocUnsafe(headroom + bytes), headroom);
  writer.string(transactionalId);
  writer.int16(acks);
  writer.int32(timeout);
  writer.int32(topicData.length);
  let next = 0;
  for (const { topic, partitions } of topicData) {
    writer.string(topic);
    writer.int32(partitions.length);
    for (const batch of batches.slice(next, (next += partitions.length))) {
      writer.int32(batch.partition);
      writer.int32(BATCH_HEADER_BYTES + batch.recordsBytes);
      writeBatch(writer, batch, attributes, producerId, producerEpoch);
    }
  }
  // Every byte after the headroom is written exactly once: no stale memory from allocUnsafe goes out.
  if (writer.at !== writer.buffer.length) throw new Error(`produce encoding: wrote ${writer.at - headroom} bytes of the ${bytes} measured`);
  return writer.buffer;
}
