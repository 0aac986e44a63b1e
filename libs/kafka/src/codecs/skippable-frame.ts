/** LZ4 and Zstandard share skippable frames: a magic 0x184D2A50–0x184D2A5F, a length, then bytes that are not data. */
const SKIPPABLE_MAGIC = 0x184d2a50;

/** Where the skippable frame at `at` ends, or undefined when none starts there. */
export function skippableFrameEnd(input: Buffer, at: number, codec: string): number | undefined {
  if ((input.readUInt32LE(at) & 0xfffffff0) !== SKIPPABLE_MAGIC) return undefined;
  if (at + 8 > input.length) throw new Error(`${codec}: skippable frame cut short at byte ${at}`);
  return at + 8 + input.readUInt32LE(at + 4);
}
