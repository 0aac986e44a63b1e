import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { codecVectors, digest, expected } from './codecs/codec-vectors.fixture';
import { createKafka } from './kafka-client.factory';

describe('createKafka', () => {
  it.each([
    ['Snappy', CompressionTypes.Snappy, codecVectors.repeat.snappy],
    ['LZ4', CompressionTypes.LZ4, codecVectors.repeat.lz4],
    ['ZSTD', CompressionTypes.ZSTD, codecVectors.repeat.zstd],
  ] as const)('should make every kafkajs client of the process read record batches compressed with %s', async (_name, type, vector) => {
    createKafka({ brokers: ['127.0.0.1:1'], clientId: 'codecs' });
    const codec = (CompressionCodecs[type] as () => { decompress(buffer: Buffer): Promise<Buffer> })();
    expect(digest(await codec.decompress(Buffer.from(vector, 'base64')))).toEqual(expected('repeat'));
  });

  it('should refuse to write the codecs it only reads, with a message that says what to use', async () => {
    createKafka({ brokers: ['127.0.0.1:1'], clientId: 'codecs' });
    const codec = (CompressionCodecs[CompressionTypes.Snappy] as () => { compress(encoder: { buffer: Buffer }): Promise<Buffer> })();
    await expect(codec.compress({ buffer: Buffer.from('x') })).rejects.toThrow(/read Snappy but do not write it: produce with gzip/);
  });
});
