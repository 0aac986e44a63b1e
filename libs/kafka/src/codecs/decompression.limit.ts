/**
 * A record batch that decompresses past the consumer's limit. Kafka bounds a batch by its
 * compressed size only (`max.message.bytes`), and a megabyte of zstd or gzip can hold gigabytes of
 * repeated bytes: decoded whole, one such batch from any producer would exhaust the process's
 * memory and stop ingestion for every tenant. Each decoder stops at the limit instead.
 */
export class DecompressionLimitError extends Error {
  constructor(
    readonly codec: string,
    readonly maxBytes: number,
  ) {
    super(`${codec}: the batch decompresses past ${maxBytes} bytes`);
    this.name = 'DecompressionLimitError';
  }
}

/** Throws when `bytes` decoded bytes would pass `maxBytes`. */
export function checkDecompressedSize(codec: string, bytes: number, maxBytes: number): void {
  if (bytes > maxBytes) throw new DecompressionLimitError(codec, maxBytes);
}
