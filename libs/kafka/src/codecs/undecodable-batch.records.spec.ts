import { CompressionTypes } from 'kafkajs';
import { createRequire } from 'node:module';
import { DEFAULT_MAX_DECOMPRESSED_BATCH_BYTES, registerCompressionCodecs } from './compression-codecs.registry';
import { UNDECODABLE_BATCH_HEADER, undecodableBatchRecords } from './undecodable-batch.records';

// kafkajs's own record-batch encoder and the decoder its consumer runs on every fetched batch: the
// bytes are exactly what a fetch response carries.
const requireKafkajs = createRequire(require.resolve('kafkajs'));
const { RecordBatch } = requireKafkajs('./src/protocol/recordBatch/v0') as {
  RecordBatch(options: { compression: number; firstOffset: unknown; lastOffsetDelta: number; records: unknown[] }): Promise<{ buffer: Buffer }>;
};
const Record = requireKafkajs('./src/protocol/recordBatch/record/v0') as (options: { offsetDelta: number; key: string; value: string; headers?: Record<string, string> }) => unknown;
const decodeRecordBatch = requireKafkajs('./src/protocol/recordBatch/v0/decoder') as (decoder: unknown) => Promise<{ records: DecodedRecord[] }>;
const Decoder = requireKafkajs('./src/protocol/decoder') as new (buffer: Buffer) => unknown;
const Long = requireKafkajs('./src/utils/long') as { fromString(value: string): unknown };

interface DecodedRecord {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}

/** A record batch at `firstOffset` of three ~300 KB records (1 MB decompressed, a few KB compressed). */
function batch(compression: number): Promise<{ buffer: Buffer }> {
  const records = [0, 1, 2].map((offsetDelta) => Record({ offsetDelta, key: 'org_a', value: `${offsetDelta}`.repeat(300_000) }));
  return RecordBatch({ compression, firstOffset: Long.fromString('1000'), lastOffsetDelta: 2, records });
}

const decode = async (bytes: Buffer) => (await decodeRecordBatch(new Decoder(bytes))).records;

describe('a record batch the consumer cannot decompress', () => {
  afterEach(() => registerCompressionCodecs({ maxDecompressedBytes: DEFAULT_MAX_DECOMPRESSED_BATCH_BYTES }));

  it('should decode in full within the limit', async () => {
    registerCompressionCodecs({ maxDecompressedBytes: 2 * 1024 * 1024 });
    const records = await decode((await batch(CompressionTypes.GZIP)).buffer);
    expect(records.map(({ offset, value }) => [offset, value?.length])).toEqual([
      ['1000', 300_000],
      ['1001', 300_000],
      ['1002', 300_000],
    ]);
  });

  it('should become one placeholder per record, at its offset, with no key or value and the reason in a header', async () => {
    registerCompressionCodecs({ maxDecompressedBytes: 512 * 1024 });
    const records = await decode((await batch(CompressionTypes.GZIP)).buffer);
    expect(records.map(({ offset, key, value, headers }) => ({ offset, key, value, why: headers[UNDECODABLE_BATCH_HEADER]?.toString() }))).toEqual(
      ['1000', '1001', '1002'].map((offset) => ({ offset, key: null, value: null, why: 'gzip: the batch decompresses past 524288 bytes' })),
    );
  });

  it('should be passed on only when the batch header before the bytes is one (else the fetch fails as before)', () => {
    expect(undecodableBatchRecords(Buffer.from('not a batch'), 'why')).toBeUndefined();
    const inside = Buffer.concat([Buffer.alloc(100, 7), Buffer.from('compressed')]).subarray(100);
    expect(undecodableBatchRecords(inside, 'why')).toBeUndefined();
  });
});
