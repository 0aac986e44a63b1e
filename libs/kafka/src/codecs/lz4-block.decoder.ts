import { copyBackReference } from './back-reference';

/**
 * One LZ4 block (LZ4's block format: sequences of a token, literals and a back-reference) from
 * `input[at, end)` into `output` at `out`, writing at most up to `limit`. Back-references may reach
 * `window` bytes before `out`: earlier blocks of the frame when its blocks are linked. Returns the
 * new end of the output.
 */
export function decodeLz4Block(input: Buffer, at: number, end: number, output: Buffer, out: number, limit: number, window: number): number {
  const start = out;
  while (at < end) {
    const token = input[at++];
    let literals = token >>> 4;
    if (literals === 15) ({ value: literals, at } = extendedLength(input, at, end, literals));
    if (at + literals > end || out + literals > limit) throw new Error(`lz4: ${literals} literals at byte ${at} run past the block`);
    input.copy(output, out, at, at + literals);
    at += literals;
    out += literals;
    // The last sequence of a block has literals only.
    if (at === end) break;
    if (at + 2 > end) throw new Error(`lz4: match offset cut short at byte ${at}`);
    const offset = input.readUInt16LE(at);
    at += 2;
    let size = token & 15;
    if (size === 15) ({ value: size, at } = extendedLength(input, at, end, size));
    size += 4;
    if (offset === 0 || offset > out - start + window || out + size > limit) {
      throw new Error(`lz4: match of ${size} bytes from ${offset} back at output byte ${out - start} is out of bounds`);
    }
    out = copyBackReference(output, out, offset, size);
  }
  return out;
}

/** A length of 15 or more: the token's 15, plus bytes that are added while they are 255. */
function extendedLength(input: Buffer, at: number, end: number, value: number): { value: number; at: number } {
  for (;;) {
    if (at >= end) throw new Error(`lz4: length cut short at byte ${at}`);
    const byte = input[at++];
    value += byte;
    if (byte !== 255) return { value, at };
  }
}
