import { gzipSync } from 'node:zlib';
import { codecVectors, digest, expected } from './codec-vectors.fixture';
import { DecompressionLimitError } from './decompression.limit';
import { decodeGzip } from './gzip.decoder';
import { decodeLz4Frames } from './lz4-frame.decoder';
import { decodeSnappy } from './snappy.decoder';
import { decodeZstd } from './zstd.decoder';

/** Each codec's decoder over the 100,000-byte `repeat` vector, as a producer writes it. */
const repeat = codecVectors.repeat;
const decoders: Array<[string, (maxBytes: number) => Buffer | Promise<Buffer>]> = [
  ['snappy (xerial chunks)', (maxBytes) => decodeSnappy(Buffer.from(repeat.snappy, 'base64'), maxBytes)],
  ['snappy (one raw block)', (maxBytes) => decodeSnappy(Buffer.from(repeat.snappyRaw, 'base64'), maxBytes)],
  ['lz4', (maxBytes) => decodeLz4Frames(Buffer.from(repeat.lz4, 'base64'), maxBytes)],
  ['lz4 with checksums', (maxBytes) => decodeLz4Frames(Buffer.from(repeat.lz4Full, 'base64'), maxBytes)],
  ['zstd', (maxBytes) => decodeZstd(Buffer.from(repeat.zstd, 'base64'), maxBytes)],
  ['zstd, two frames', (maxBytes) => decodeZstd(Buffer.concat([Buffer.from(repeat.zstd, 'base64'), Buffer.from(repeat.zstd, 'base64')]), maxBytes * 2)],
];

describe('decompression limit', () => {
  it.each(decoders)('should stop %s one byte past the limit, and decode what fits it exactly', async (_name, decode) => {
    await expect(Promise.resolve().then(() => decode(repeat.length - 1))).rejects.toBeInstanceOf(DecompressionLimitError);
    const decoded = await decode(repeat.length);
    expect(digest(decoded.subarray(0, repeat.length))).toEqual(expected('repeat'));
  });

  it('should stop gzip at the limit instead of inflating a bomb whole', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(100 * 1024);
    await expect(decodeGzip(bomb, 1024 * 1024)).rejects.toThrow(new DecompressionLimitError('gzip', 1024 * 1024));
    expect((await decodeGzip(gzipSync(Buffer.from('Kafka')), 5)).toString()).toBe('Kafka');
  });
});
