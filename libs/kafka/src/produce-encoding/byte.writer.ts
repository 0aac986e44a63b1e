import { createRequire } from 'node:module';
import { KafkajsEncoder } from './kafkajs-encoder';

/** kafkajs's 64-bit integer, which its encoder builds for every INT64 it writes. */
interface KafkajsLong {
  getHighBits(): number;
  getLowBits(): number;
}
const Long = createRequire(__filename)('kafkajs/src/utils/long') as { fromValue(value: unknown): KafkajsLong };

/** What kafkajs writes as a varint-prefixed byte string (a key, a value, a header's name or value). */
export type VarintBytes = Buffer | string | null | undefined;

/** Kafka's zig-zag of a 32-bit varint, as kafkajs computes it (`Encoder.encodeZigZag`), as an unsigned value. */
const zigZag = (value: number): number => ((value << 1) ^ (value >> 31)) >>> 0;

/** Bytes of a zig-zag varint (kafkajs `Encoder.sizeOfVarInt`). */
export function varintSize(value: number): number {
  let bytes = 1;
  for (let rest = zigZag(value); rest >= 0x80; rest >>>= 7) bytes += 1;
  return bytes;
}

/**
 * VARLONGs computed here are the integers a double holds exactly after zig-zag (|value| < 2^52):
 * every timestamp delta of real records. Anything else (fractions, NaN, larger numbers, Longs) goes
 * through kafkajs's own code, which turns it into a 64-bit integer or throws as it always did.
 */
const isPlainLong = (value: unknown): value is number => Number.isSafeInteger(value) && Math.abs(value as number) < 2 ** 52;
const zigZagLong = (value: number): number => (value >= 0 ? value * 2 : -value * 2 - 1);

/** Bytes of a zig-zag VARLONG (kafkajs `Encoder.sizeOfVarLong`). */
export function varlongSize(value: unknown): number {
  if (!isPlainLong(value)) return KafkajsEncoder.sizeOfVarLong(value);
  let bytes = 1;
  for (let rest = zigZagLong(value); rest >= 0x80; rest = Math.floor(rest / 0x80)) bytes += 1;
  return bytes;
}

/** Bytes kafkajs writes for a varint-prefixed byte string: a Buffer raw, anything else as UTF-8 text, null as length -1. */
export function varintBytesSize(value: VarintBytes): number {
  if (value === null || value === undefined) return varintSize(-1);
  const length = Buffer.isBuffer(value) ? value.length : Buffer.byteLength(value, 'utf8');
  return varintSize(length) + length;
}

/** Bytes of an INT16-prefixed nullable string (kafkajs `writeString`). */
export const stringSize = (value: string | null): number => 2 + (value === null ? 0 : Buffer.byteLength(value, 'utf8'));

/**
 * Writes Kafka's primitive types into a buffer sized beforehand, exactly as kafkajs's `Encoder` writes
 * them (the same Buffer methods, so the same range checks), but in place: no growth, no temporary
 * buffer per varint. Every method writes each byte it moves past, so a buffer from
 * `Buffer.allocUnsafe` holds no stale memory once the writer has reached its end.
 */
export class ByteWriter {
  at: number;

  constructor(
    readonly buffer: Buffer,
    at = 0,
  ) {
    this.at = at;
  }

  int8(value: number): void {
    this.at = this.buffer.writeInt8(value, this.at);
  }

  int16(value: number): void {
    this.at = this.buffer.writeInt16BE(value, this.at);
  }

  int32(value: number): void {
    this.at = this.buffer.writeInt32BE(value, this.at);
  }

  uint32(value: number): void {
    this.at = this.buffer.writeUInt32BE(value, this.at);
  }

  /** kafkajs takes a number, a decimal string or a Long for an INT64. */
  int64(value: unknown): void {
    const long = Long.fromValue(value);
    this.int32(long.getHighBits());
    this.int32(long.getLowBits());
  }

  varint(value: number): void {
    let rest = zigZag(value);
    for (; rest >= 0x80; rest >>>= 7) this.buffer[this.at++] = (rest & 0x7f) | 0x80;
    this.buffer[this.at++] = rest;
  }

  varlong(value: unknown): void {
    if (!isPlainLong(value)) return this.raw(new KafkajsEncoder().writeVarLong(value).buffer);
    let rest = zigZagLong(value);
    for (; rest >= 0x80; rest = Math.floor(rest / 0x80)) this.buffer[this.at++] = (rest % 0x80) | 0x80;
    this.buffer[this.at++] = rest;
  }

  raw(bytes: Buffer): void {
    const copied = bytes.copy(this.buffer, this.at);
    if (copied !== bytes.length) throw new Error(`produce encoding: ${bytes.length} bytes do not fit at ${this.at} of ${this.buffer.length}`);
    this.at += copied;
  }

  /** A varint length and the bytes (kafkajs `writeVarIntBytes`; `writeVarIntString` for a string is the same). */
  varintBytes(value: VarintBytes): void {
    if (value === null || value === undefined) return this.varint(-1);
    if (Buffer.isBuffer(value)) {
      this.varint(value.length);
      return this.raw(value);
    }
    const length = Buffer.byteLength(value, 'utf8');
    this.varint(length);
    this.text(value, length);
  }

  /** An INT16 length and the UTF-8 bytes, -1 for null (kafkajs `writeString`). */
  string(value: string | null): void {
    if (value === null) return this.int16(-1);
    const length = Buffer.byteLength(value, 'utf8');
    this.int16(length);
    this.text(value, length);
  }

  /** UTF-8 text of a length measured by Buffer.byteLength; writing fewer bytes would leave stale memory, so it is refused. */
  private text(value: string, length: number): void {
    const written = this.buffer.write(value, this.at, length, 'utf8');
    if (written !== length) throw new Error(`produce encoding: a string measured ${length} UTF-8 bytes but ${written} were written`);
    this.at += length;
  }
}
