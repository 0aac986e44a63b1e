import { createRequire } from 'node:module';

/** CRC-32C (Castagnoli), reflected polynomial. */
const POLYNOMIAL = 0x82f63b78;

/** Slicing-by-8 tables: table t gives the CRC contribution of a byte t positions before the end of an 8-byte word. */
const TABLES = Array.from({ length: 8 }, () => new Int32Array(256));
for (let byte = 0; byte < 256; byte++) {
  let crc = byte;
  for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL : crc >>> 1;
  TABLES[0][byte] = crc;
}
for (let byte = 0; byte < 256; byte++) for (let t = 1; t < 8; t++) TABLES[t][byte] = (TABLES[t - 1][byte] >>> 8) ^ TABLES[0][TABLES[t - 1][byte] & 0xff];
const [T0, T1, T2, T3, T4, T5, T6, T7] = TABLES;

/** CRC-32C of `buffer`, eight bytes a step (about 3× kafkajs's byte-at-a-time loop here); the same value. */
export function crc32c(buffer: Uint8Array): number {
  let crc = -1;
  let at = 0;
  const end = buffer.length - (buffer.length & 7);
  for (; at < end; at += 8) {
    crc ^= buffer[at] | (buffer[at + 1] << 8) | (buffer[at + 2] << 16) | (buffer[at + 3] << 24);
    crc = T7[crc & 0xff] ^ T6[(crc >>> 8) & 0xff] ^ T5[(crc >>> 16) & 0xff] ^ T4[crc >>> 24] ^ T3[buffer[at + 4]] ^ T2[buffer[at + 5]] ^ T1[buffer[at + 6]] ^ T0[buffer[at + 7]];
  }
  for (; at < buffer.length; at++) crc = T0[(crc ^ buffer[at]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/** kafkajs's CRC-32C module, as its record-batch encoder requires it. */
export const KAFKAJS_CRC32C_MODULE = 'kafkajs/src/protocol/recordBatch/crc32C/index.js';

/**
 * Every record batch kafkajs produces carries a CRC-32C of the whole batch, computed by a JS loop
 * one byte at a time (~115 MB/s here): the largest single cost of publishing bulk data (the
 * ingester's projection of what it stored is as many bytes as it inserts). The encoder requires the
 * module lazily, on the first produce, so replacing the module's cached exports before any client
 * produces swaps in {@link crc32c}. Idempotent; the spec checks the encoder then uses it.
 */
export function patchKafkajsCrc32c(): void {
  const requireHere = createRequire(__filename);
  const path = requireHere.resolve(KAFKAJS_CRC32C_MODULE);
  const cached = requireHere.cache[path];
  if (cached?.exports === crc32c) return;
  requireHere(path);
  (requireHere.cache[path] as NodeJS.Module).exports = crc32c;
}
