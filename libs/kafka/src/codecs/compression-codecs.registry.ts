import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { decodeLz4Frames } from './lz4-frame.decoder';
import { decodeSnappy } from './snappy.decoder';
import { decodeZstd } from './zstd.decoder';

/** The codec shape kafkajs calls: `decompress` for fetched record batches, `compress` for produced ones. */
interface KafkajsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

function decodeOnly(name: string, decode: (buffer: Buffer) => Buffer | Promise<Buffer>): () => KafkajsCodec {
  const codec: KafkajsCodec = {
    compress: () => Promise.reject(new Error(`this project's Kafka clients read ${name} but do not write it: produce with gzip or no compression`)),
    decompress: async (buffer) => decode(buffer),
  };
  return () => codec;
}

/**
 * kafkajs decodes only gzip by itself: a record batch compressed with Snappy, LZ4 or ZSTD (what
 * Java and Go producers usually send) makes its consumer throw "… compression not implemented"
 * and stop on every partition. The registry is kafkajs's own module-level table, so registering
 * once serves every client of the process; `createKafka` does it.
 */
export function registerCompressionCodecs(): void {
  CompressionCodecs[CompressionTypes.Snappy] = decodeOnly('Snappy', decodeSnappy);
  CompressionCodecs[CompressionTypes.LZ4] = decodeOnly('LZ4', decodeLz4Frames);
  CompressionCodecs[CompressionTypes.ZSTD] = decodeOnly('ZSTD', decodeZstd);
}
