import { checkDecompressedSize } from './decompression.limit';
import { decodeLz4Block } from './lz4-block.decoder';
import { skippableFrameEnd } from './skippable-frame';

const FRAME_MAGIC = 0x184d2204;
const UNCOMPRESSED_BLOCK = 0x80000000;

/**
 * LZ4 as Kafka producers write it: the LZ4 frame format (the Java client's `Lz4BlockOutputStream`,
 * librdkafka's lz4f with linked blocks), possibly several frames back to back. Checksums are
 * skipped, not checked: the broker validated this batch when it was produced, and its CRC-32C
 * covers these bytes.
 */
export function decodeLz4Frames(input: Buffer, maxBytes = Number.MAX_SAFE_INTEGER): Buffer {
  const output = new GrowingOutput(Math.min(input.length * 4, maxBytes), maxBytes);
  for (let at = 0; at < input.length; ) {
    if (at + 4 > input.length) throw new Error(`lz4: frame magic cut short at byte ${at}`);
    const skipped = skippableFrameEnd(input, at, 'lz4');
    if (skipped !== undefined) {
      at = skipped;
      continue;
    }
    const magic = input.readUInt32LE(at);
    if (magic !== FRAME_MAGIC) throw new Error(`lz4: no frame magic at byte ${at} (0x${magic.toString(16)})`);
    at = decodeFrame(input, at + 4, output);
  }
  return output.bytes();
}

/** One frame from its descriptor (just after the magic) to its end; returns where the next frame starts. */
function decodeFrame(input: Buffer, at: number, output: GrowingOutput): number {
  if (at + 3 > input.length) throw new Error(`lz4: frame descriptor cut short at byte ${at}`);
  const flags = input[at];
  if (flags >>> 6 !== 1) throw new Error(`lz4: frame version ${flags >>> 6} at byte ${at} is not 1`);
  const blockChecksum = (flags & 0x10) !== 0;
  const contentSize = (flags & 0x08) !== 0;
  const contentChecksum = (flags & 0x04) !== 0;
  const dictionary = (flags & 0x01) !== 0;
  const sizeId = (input[at + 1] >>> 4) & 7;
  if (sizeId < 4) throw new Error(`lz4: block maximum size id ${sizeId} at byte ${at + 1} is not 4–7`);
  const maxBlock = 1 << (8 + 2 * sizeId);
  if (dictionary) throw new Error(`lz4: frame at byte ${at} needs a dictionary, which Kafka never uses`);
  // Descriptor: flags, block descriptor, the optional content size, the header checksum.
  at += 2 + (contentSize ? 8 : 0) + 1;
  const frameStart = output.length;
  for (;;) {
    if (at + 4 > input.length) throw new Error(`lz4: block size cut short at byte ${at}`);
    const word = input.readUInt32LE(at);
    at += 4;
    if (word === 0) break;
    const size = (word & ~UNCOMPRESSED_BLOCK) >>> 0;
    const end = at + size;
    if (end > input.length) throw new Error(`lz4: block at byte ${at - 4} runs past the end (${end} > ${input.length})`);
    if (word & UNCOMPRESSED_BLOCK) output.append(input, at, end);
    else output.decode(input, at, end, maxBlock, frameStart);
    at = end + (blockChecksum ? 4 : 0);
  }
  return at + (contentChecksum ? 4 : 0);
}

/** The decoded bytes, in one buffer that doubles when a block may not fit (linked blocks refer back across blocks). */
class GrowingOutput {
  private buffer: Buffer;
  length = 0;

  constructor(
    capacity: number,
    private readonly maxBytes: number,
  ) {
    this.buffer = Buffer.allocUnsafe(Math.max(capacity, 1024));
  }

  append(input: Buffer, start: number, end: number): void {
    checkDecompressedSize('lz4', this.length + end - start, this.maxBytes);
    this.reserve(end - start);
    this.length += input.copy(this.buffer, this.length, start, end);
  }

  /** A block decodes to at most `maxBlock` bytes, so no block is started that could pass the limit by more than one block's room. */
  decode(input: Buffer, start: number, end: number, maxBlock: number, frameStart: number): void {
    checkDecompressedSize('lz4', this.length, this.maxBytes);
    this.reserve(maxBlock);
    this.length = decodeLz4Block(input, start, end, this.buffer, this.length, this.length + maxBlock, this.length - frameStart);
    checkDecompressedSize('lz4', this.length, this.maxBytes);
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}
