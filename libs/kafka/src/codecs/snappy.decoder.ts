import { copyBackReference } from './back-reference';
import { checkDecompressedSize } from './decompression.limit';

/**
 * Snappy as Kafka producers write it: the Java client (snappy-java's `SnappyOutputStream`) and Go's
 * sarama frame raw blocks the xerial way — an 8-byte magic, two version words, then chunks of
 * [big-endian length][raw block]; librdkafka may send one raw block. Both are read here.
 */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;
/** Offset bytes after a tag, by its element type (literal, copy with 1-, 2- and 4-byte offsets). */
const OFFSET_BYTES = [0, 1, 2, 4];

/** Decodes `input`; a batch whose preambles declare more than `maxBytes` is refused before any allocation. */
export function decodeSnappy(input: Buffer, maxBytes = Number.MAX_SAFE_INTEGER): Buffer {
  if (!input.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) {
    const { length, start } = preamble(input, 0, input.length);
    checkDecompressedSize('snappy', length, maxBytes);
    const output = Buffer.allocUnsafe(length);
    decodeInto(input, start, input.length, output, 0, length);
    return output;
  }
  if (input.length < XERIAL_HEADER_BYTES) throw new Error(`snappy: xerial header cut short (${input.length} bytes)`);
  const chunks: Array<{ end: number; length: number; data: number }> = [];
  let total = 0;
  for (let at = XERIAL_HEADER_BYTES; at < input.length; ) {
    if (at + 4 > input.length) throw new Error(`snappy: chunk length cut short at byte ${at}`);
    const end = at + 4 + input.readUInt32BE(at);
    if (end > input.length) throw new Error(`snappy: chunk at byte ${at} runs past the end (${end} > ${input.length})`);
    const { length, start } = preamble(input, at + 4, end);
    chunks.push({ end, length, data: start });
    total += length;
    checkDecompressedSize('snappy', total, maxBytes);
    at = end;
  }
  const output = Buffer.allocUnsafe(total);
  let written = 0;
  for (const chunk of chunks) {
    decodeInto(input, chunk.data, chunk.end, output, written, chunk.length);
    written += chunk.length;
  }
  return output;
}

/** A raw block's preamble: the uncompressed length as a little-endian base-128 varint. */
function preamble(input: Buffer, at: number, end: number): { length: number; start: number } {
  let length = 0;
  for (let shift = 0; shift <= 28; shift += 7) {
    if (at >= end) throw new Error(`snappy: block length cut short at byte ${at}`);
    const byte = input[at++];
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return { length, start: at };
  }
  throw new Error(`snappy: block length longer than 5 bytes at byte ${at}`);
}

/** Decodes the elements of one raw block (literals and back-references) into `output` at `from`. */
function decodeInto(input: Buffer, at: number, end: number, output: Buffer, from: number, length: number): void {
  const limit = from + length;
  let out = from;
  while (at < end) {
    const tag = input[at++];
    const kind = tag & 3;
    if (kind === 0) {
      let size = (tag >>> 2) + 1;
      if (size > 60) {
        const bytes = size - 60;
        if (at + bytes > end) throw new Error(`snappy: literal length cut short at byte ${at}`);
        size = input.readUIntLE(at, bytes) + 1;
        at += bytes;
      }
      if (at + size > end || out + size > limit) throw new Error(`snappy: literal of ${size} bytes at byte ${at} runs past the block`);
      input.copy(output, out, at, at + size);
      at += size;
      out += size;
      continue;
    }
    const offsetBytes = OFFSET_BYTES[kind];
    if (at + offsetBytes > end) throw new Error(`snappy: copy cut short at byte ${at}`);
    const size = kind === 1 ? ((tag >>> 2) & 7) + 4 : (tag >>> 2) + 1;
    const offset = kind === 1 ? ((tag >>> 5) << 8) | input[at] : input.readUIntLE(at, offsetBytes);
    at += offsetBytes;
    if (offset === 0 || offset > out - from || out + size > limit) {
      throw new Error(`snappy: copy of ${size} bytes from ${offset} back at output byte ${out - from} is out of bounds`);
    }
    out = copyBackReference(output, out, offset, size);
  }
  if (out !== limit) throw new Error(`snappy: block decoded to ${out - from} bytes, its preamble says ${length}`);
}
