import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { decodeGzip } from './gzip.decoder';
import { decodeLz4Frames } from './lz4-frame.decoder';
import { decodeSnappy } from './snappy.decoder';
import { undecodableBatchRecords } from './undecodable-batch.records';
import { decodeZstd } from './zstd.decoder';

/** The codec shape kafkajs calls: `decompress` for fetched record batches, `compress` for produced ones. */
interface KafkajsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/**
 * The most a fetched batch may decompress to, for every client of the process. 64 MiB by default:
 * a broker's largest batch (`max.message.bytes`, 1 MiB by default) of JSON events compresses 5–15×,
 * so legitimate batches stay far below it, and a fetch of ten partitions stays within a few hundred MiB.
 */
export const DEFAULT_MAX_DECOMPRESSED_BATCH_BYTES = 64 * 1024 * 1024;

let maxDecompressedBytes = DEFAULT_MAX_DECOMPRESSED_BATCH_BYTES;
let gzipCompress: KafkajsCodec['compress'] | undefined;

/**
 * A codec that decodes within the limit and, when a batch cannot be decoded (past the limit, or
 * bytes no decoder accepts), hands kafkajs placeholder records in its place (see
 * `undecodableBatchRecords`) so the consumer dead-letters them and goes on: a fetch that throws
 * here would fail every partition of the response, over and over.
 */
function capped(decode: (buffer: Buffer, maxBytes: number) => Buffer | Promise<Buffer>, compress: KafkajsCodec['compress']): () => KafkajsCodec {
  const codec: KafkajsCodec = {
    compress,
    decompress: async (buffer) => {
      try {
        return await decode(buffer, maxDecompressedBytes);
      } catch (error) {
        const placeholders = undecodableBatchRecords(buffer, error instanceof Error ? error.message : String(error));
        if (!placeholders) throw error;
        return placeholders;
      }
    },
  };
  return () => codec;
}

function decodeOnly(name: string): KafkajsCodec['compress'] {
  return () => Promise.reject(new Error(`this project's Kafka clients read ${name} but do not write it: produce with gzip or no compression`));
}

/**
 * kafkajs decodes only gzip by itself: a record batch compressed with Snappy, LZ4 or ZSTD (what
 * Java and Go producers usually send) makes its consumer throw "… compression not implemented"
 * and stop on every partition. The registry is kafkajs's own module-level table, so registering
 * once serves every client of the process; `createKafka` does it. Gzip keeps kafkajs's own
 * compression and gets the bounded decoder. `maxDecompressedBytes`, when given, sets the limit for the process.
 */
export function registerCompressionCodecs(options: { maxDecompressedBytes?: number } = {}): void {
  if (options.maxDecompressedBytes !== undefined) maxDecompressedBytes = options.maxDecompressedBytes;
  gzipCompress ??= CompressionCodecs[CompressionTypes.GZIP]().compress as KafkajsCodec['compress'];
  CompressionCodecs[CompressionTypes.GZIP] = capped(decodeGzip, gzipCompress);
  CompressionCodecs[CompressionTypes.Snappy] = capped(decodeSnappy, decodeOnly('Snappy'));
  CompressionCodecs[CompressionTypes.LZ4] = capped(decodeLz4Frames, decodeOnly('LZ4'));
  CompressionCodecs[CompressionTypes.ZSTD] = capped(decodeZstd, decodeOnly('ZSTD'));
}
