import { promisify } from 'node:util';
import { unzip, type ZlibOptions } from 'node:zlib';
import { DecompressionLimitError } from './decompression.limit';

const inflate = promisify<Buffer, ZlibOptions, Buffer>(unzip);

/** Gzip as kafkajs reads it (zlib's `unzip`), but stopping at `maxBytes` rather than inflating whatever the batch holds. */
export async function decodeGzip(input: Buffer, maxBytes = Number.MAX_SAFE_INTEGER): Promise<Buffer> {
  try {
    return await inflate(input, { maxOutputLength: Math.max(maxBytes, 1) });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new DecompressionLimitError('gzip', maxBytes);
    // Named like the other decoders' errors, which a dead letter quotes.
    throw new Error(`gzip: ${(error as Error).message}`, { cause: error });
  }
}
