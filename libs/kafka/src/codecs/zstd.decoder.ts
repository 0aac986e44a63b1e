import { promisify } from 'node:util';
import { zstdDecompress, type ZstdOptions } from 'node:zlib';
import { checkDecompressedSize, DecompressionLimitError } from './decompression.limit';
import { skippableFrameEnd } from './skippable-frame';

const zstd = promisify<Buffer, ZstdOptions, Buffer>(zstdDecompress);

const FRAME_MAGIC = 0xfd2fb528;
const DICTIONARY_ID_BYTES = [0, 1, 2, 4];
const CONTENT_SIZE_BYTES = [0, 2, 4, 8];

/**
 * Zstandard as Kafka producers write it: standard frames (zstd-jni in Java, klauspost in Go,
 * libzstd in librdkafka), decoded by Node's own zlib. It decodes only the first frame of its input,
 * so the frames are found first (from their headers and block sizes) and each is decoded on its own.
 */
export async function decodeZstd(input: Buffer, maxBytes = Number.MAX_SAFE_INTEGER): Promise<Buffer> {
  const frames = zstdFrames(input);
  if (frames.length === 1) return decompressAtMost(frames[0], maxBytes);
  // One frame after the other, each within what the ones before left of the limit.
  const decoded: Buffer[] = [];
  let total = 0;
  for (const frame of frames) {
    const bytes = await decompressAtMost(frame, maxBytes - total);
    decoded.push(bytes);
    total += bytes.length;
    checkDecompressedSize('zstd', total, maxBytes);
  }
  return Buffer.concat(decoded, total);
}

/** zlib stops inflating at `maxOutputLength` (ERR_BUFFER_TOO_LARGE) instead of growing its output. */
async function decompressAtMost(frame: Buffer, maxBytes: number): Promise<Buffer> {
  try {
    return await zstd(frame, { maxOutputLength: Math.max(maxBytes, 1) });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new DecompressionLimitError('zstd', maxBytes);
    throw error;
  }
}

/** The data frames of `input`, in order; skippable frames are left out. */
export function zstdFrames(input: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  for (let at = 0; at < input.length; ) {
    if (at + 4 > input.length) throw new Error(`zstd: frame magic cut short at byte ${at}`);
    const skipped = skippableFrameEnd(input, at, 'zstd');
    if (skipped !== undefined) {
      at = skipped;
      continue;
    }
    const magic = input.readUInt32LE(at);
    if (magic !== FRAME_MAGIC) throw new Error(`zstd: no frame magic at byte ${at} (0x${magic.toString(16)})`);
    const end = frameEnd(input, at);
    frames.push(input.subarray(at, end));
    at = end;
  }
  return frames;
}

/** Where the frame starting at `start` ends: its header, then blocks until the last one, then its checksum. */
function frameEnd(input: Buffer, start: number): number {
  if (start + 5 > input.length) throw new Error(`zstd: frame header cut short at byte ${start}`);
  const descriptor = input[start + 4];
  const singleSegment = (descriptor & 0x20) !== 0;
  const contentSizeFlag = descriptor >>> 6;
  const contentSizeBytes = contentSizeFlag === 0 && singleSegment ? 1 : CONTENT_SIZE_BYTES[contentSizeFlag];
  let at = start + 5 + (singleSegment ? 0 : 1) + DICTIONARY_ID_BYTES[descriptor & 3] + contentSizeBytes;
  for (let last = false; !last; ) {
    if (at + 3 > input.length) throw new Error(`zstd: block header cut short at byte ${at}`);
    const header = input.readUIntLE(at, 3);
    last = (header & 1) === 1;
    const type = (header >>> 1) & 3;
    if (type === 3) throw new Error(`zstd: reserved block type at byte ${at}`);
    // A run-length block carries one byte, whatever its size.
    at += 3 + (type === 1 ? 1 : header >>> 3);
  }
  at += descriptor & 0x04 ? 4 : 0;
  if (at > input.length) throw new Error(`zstd: frame at byte ${start} runs past the end (${at} > ${input.length})`);
  return at;
}
