import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { crc32c, KAFKAJS_CRC32C_MODULE, patchKafkajsCrc32c } from './crc32c.patch';

const requireHere = createRequire(__filename);
/** kafkajs's own byte-at-a-time implementation (its inner module, which the patch leaves alone). */
const reference = requireHere('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (buffer: Buffer) => number;

describe('CRC-32C for kafkajs record batches', () => {
  it('should give the standard check value for "123456789"', () => {
    expect(crc32c(Buffer.from('123456789')).toString(16)).toBe('e3069283');
  });

  it('should equal kafkajs\'s implementation for every length around the 8-byte steps and for large buffers', () => {
    const bytes = randomBytes(100_003);
    for (const length of [0, 1, 2, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 100_000]) {
      for (const offset of [0, 3]) {
        const slice = bytes.subarray(offset, offset + length);
        expect({ length, offset, crc: crc32c(slice) }).toEqual({ length, offset, crc: reference(slice) >>> 0 });
      }
    }
  });

  it('should be what kafkajs\'s record-batch encoder uses once patched', async () => {
    patchKafkajsCrc32c();
    patchKafkajsCrc32c();
    expect(requireHere(KAFKAJS_CRC32C_MODULE)).toBe(crc32c);
    // The encoder module takes the CRC module's exports when it is first required: a fresh copy of
    // it, required after the patch, computes every batch's CRC through the patched exports.
    const crcPath = requireHere.resolve(KAFKAJS_CRC32C_MODULE);
    const encoderPath = requireHere.resolve('kafkajs/src/protocol/recordBatch/v0');
    const calls: number[] = [];
    (requireHere.cache[crcPath] as NodeJS.Module).exports = (buffer: Buffer) => (calls.push(buffer.length), crc32c(buffer));
    const cachedEncoder = requireHere.cache[encoderPath];
    delete requireHere.cache[encoderPath];
    try {
      const { RecordBatch } = requireHere(encoderPath) as { RecordBatch: (options: object) => Promise<unknown> };
      const Record = requireHere('kafkajs/src/protocol/recordBatch/record/v0') as (options: object) => unknown;
      await RecordBatch({ records: [Record({ key: 'k', value: Buffer.from('v') })] });
      expect(calls.length).toBe(1);
    } finally {
      (requireHere.cache[crcPath] as NodeJS.Module).exports = crc32c;
      if (cachedEncoder) requireHere.cache[encoderPath] = cachedEncoder;
    }
  });
});
