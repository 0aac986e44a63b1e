import { codecVectors, digest, expected, vectorNames } from './codec-vectors.fixture';
import { decodeLz4Frames } from './lz4-frame.decoder';

/** A frame around hand-made blocks: flags 0x40 (version 1, linked blocks), 64 KiB blocks, a header checksum byte. */
function frame(...blocks: Buffer[]): Buffer {
  const sized = blocks.flatMap((block) => [Buffer.from(Uint32Array.of(block.length).buffer), block]);
  return Buffer.concat([Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x40, 0x40, 0x00]), ...sized, Buffer.alloc(4)]);
}

describe('LZ4 frame decoder', () => {
  it.each(vectorNames)('should decode the %s vector as the Java client writes it', (name) => {
    expect(digest(decodeLz4Frames(Buffer.from(codecVectors[name].lz4, 'base64')))).toEqual(expected(name));
  });

  it.each(vectorNames)('should decode the %s vector with content size, block and content checksums', (name) => {
    expect(digest(decodeLz4Frames(Buffer.from(codecVectors[name].lz4Full, 'base64')))).toEqual(expected(name));
  });

  it('should read frames back to back and skip skippable frames', () => {
    const one = Buffer.from(codecVectors.short.lz4, 'base64');
    const skippable = Buffer.from([0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
    expect(decodeLz4Frames(Buffer.concat([one, skippable, one])).toString()).toBe('KafkaKafka');
  });

  it('should follow a match into the previous block when blocks are linked (librdkafka)', () => {
    // Block 1: 8 literals. Block 2: no literal, a match of 8 from 8 back (in block 1), then 1 literal.
    const first = Buffer.concat([Buffer.from([0x80]), Buffer.from('abcdefgh')]);
    const second = Buffer.from([0x04, 8, 0, 0x10, 0x21]);
    expect(decodeLz4Frames(frame(first, second)).toString()).toBe('abcdefghabcdefgh!');
  });

  it('should repeat a run when a match overlaps what it writes, and read lengths of 15 and more', () => {
    // 1 literal "z", then a match of 4 + 15 + 6 = 25 bytes from 1 back, then the last literal "!".
    const block = Buffer.from([0x1f, 0x7a, 1, 0, 6, 0x10, 0x21]);
    expect(decodeLz4Frames(frame(block)).toString()).toBe(`${'z'.repeat(26)}!`);
  });

  it('should refuse a frame cut short, a match from before the frame and an unknown magic', () => {
    const full = Buffer.from(codecVectors.repeat.lz4, 'base64');
    for (const cut of [2, 5, 9, 40, full.length - 1]) expect(() => decodeLz4Frames(full.subarray(0, cut))).toThrow(/lz4/);
    expect(() => decodeLz4Frames(frame(Buffer.from([0x10, 0x61, 9, 0, 0x10, 0x21])))).toThrow(/out of bounds/);
    expect(() => decodeLz4Frames(Buffer.from([0x02, 0x21, 0x4c, 0x18]))).toThrow(/no frame magic/);
  });
});
