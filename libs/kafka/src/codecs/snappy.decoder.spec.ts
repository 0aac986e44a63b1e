import { codecVectors, digest, expected, vectorNames } from './codec-vectors.fixture';
import { decodeSnappy } from './snappy.decoder';

describe('Snappy decoder', () => {
  it.each(vectorNames)('should decode the %s vector as the Java client frames it (xerial chunks)', (name) => {
    expect(digest(decodeSnappy(Buffer.from(codecVectors[name].snappy, 'base64')))).toEqual(expected(name));
  });

  it.each(vectorNames)('should decode the %s vector as one raw block', (name) => {
    expect(digest(decodeSnappy(Buffer.from(codecVectors[name].snappyRaw, 'base64')))).toEqual(expected(name));
  });

  it('should repeat a run when a copy overlaps what it writes', () => {
    // Length 10; literal "ab"; copy of 8 bytes from 2 back (1-byte offset form: tag 0b000_100_01).
    const block = Buffer.from([10, 0x04, 0x61, 0x62, 0x11, 0x02]);
    expect(decodeSnappy(block).toString()).toBe('ababababab');
  });

  it('should read copies with two- and four-byte offsets and literals with a length byte', () => {
    const literal = Buffer.alloc(70, 0x78);
    // 70 literals (tag 60<<2: one length byte of 69), then 3 bytes from 70 back, twice: as 2- and 4-byte offsets.
    const block = Buffer.concat([Buffer.from([76, 60 << 2, 69]), literal, Buffer.from([(2 << 2) | 2, 70, 0, (2 << 2) | 3, 73, 0, 0, 0])]);
    expect(decodeSnappy(block).toString()).toBe('x'.repeat(76));
  });

  it('should refuse a block cut short, a copy from before the start and a length that does not add up', () => {
    const full = Buffer.from(codecVectors.repeat.snappy, 'base64');
    for (const cut of [3, 17, 22, 100, full.length - 1]) expect(() => decodeSnappy(full.subarray(0, cut))).toThrow(/snappy/);
    expect(() => decodeSnappy(Buffer.from([4, 0x01, 0x05]))).toThrow(/out of bounds/);
    expect(() => decodeSnappy(Buffer.from([9, 0x04, 0x61, 0x62]))).toThrow(/preamble says 9/);
  });
});
