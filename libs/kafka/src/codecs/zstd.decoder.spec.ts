import { codecVectors, digest, expected, vectorNames } from './codec-vectors.fixture';
import { decodeZstd } from './zstd.decoder';

describe('ZSTD decoder', () => {
  it.each(vectorNames)('should decode the %s vector as the Java client (zstd-jni) writes it', async (name) => {
    expect(digest(await decodeZstd(Buffer.from(codecVectors[name].zstd, 'base64')))).toEqual(expected(name));
  });

  it('should read frames back to back (Node decodes only the first by itself) and skip skippable frames', async () => {
    const one = Buffer.from(codecVectors.short.zstd, 'base64');
    const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 7, 7]);
    const repeat = Buffer.from(codecVectors.repeat.zstd, 'base64');
    const decoded = await decodeZstd(Buffer.concat([one, skippable, repeat, one]));
    expect(decoded.subarray(0, 5).toString()).toBe('Kafka');
    expect(digest(decoded.subarray(5, 5 + codecVectors.repeat.length))).toEqual(expected('repeat'));
    expect(decoded.subarray(5 + codecVectors.repeat.length).toString()).toBe('Kafka');
  });

  it('should refuse a frame cut short', async () => {
    const full = Buffer.from(codecVectors.repeat.zstd, 'base64');
    await expect(decodeZstd(full.subarray(0, full.length - 3))).rejects.toThrow(/^zstd: .*(cut short|runs past the end)/);
    await expect(decodeZstd(full.subarray(0, 7))).rejects.toThrow(/cut short/);
  });
});
