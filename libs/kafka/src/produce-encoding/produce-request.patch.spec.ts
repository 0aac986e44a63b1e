import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { createRequire } from 'node:module';
import { zstdCompressSync } from 'node:zlib';
import { registerCompressionCodecs } from '../codecs/compression-codecs.registry';
import { produceRequestEncodings, type ProduceArgs, type ProducedMessage, type ProduceProtocol } from './produce-request.patch';

const requireHere = createRequire(__filename);
/** kafkajs's framing of every request (size, API key and version, correlation id, client id), as its connections call it. */
const createRequest = requireHere('kafkajs/src/protocol/request') as (options: { correlationId: number; clientId: string; request: unknown }) => Promise<{ buffer: Buffer }>;
const Long = requireHere('kafkajs/src/utils/long') as { fromValue(value: unknown): unknown };
/** kafkajs's request table and the lookup its brokers use to pick a request's version. */
interface KafkajsRequests {
  requests: { Produce: { protocol: unknown } };
  lookup: (versions: object) => (apiKey: number, definition: object) => ReturnType<ProduceProtocol>;
}

const NOW = 1_765_000_000_123;
const CLIENT_ID = 'audit-ingestor';
const { kafkajs, singleBuffer } = produceRequestEncodings();

/** A stored JSONEachRow-like line of about 700 bytes. */
function jsonLine(index: number): Buffer {
  const event = { id: `evt-${String(index).padStart(8, '0')}`, organizationId: `org-${index % 7}`, action: 'patient.record.read', actor: { id: `user-${index}`, type: 'user' }, context: { ip: '10.1.2.3' } };
  const line = JSON.stringify(event);
  return Buffer.from(`${line.slice(0, -1)},"metadata":"${'m'.repeat(700 - line.length - 14)}"}`);
}

/** The projection's `events` record: an organization's lines packed into one value with its four headers (libs/contract stored-events.wire). */
function storedRecord(organization: string, firstSeq: number, lines: number): ProducedMessage {
  const value = Buffer.concat(Array.from({ length: lines }, (_, i) => Buffer.concat([i ? Buffer.from('\n') : Buffer.alloc(0), jsonLine(firstSeq + i)])));
  return {
    key: organization,
    value,
    headers: { 'x-audit-stored-kind': 'events', 'x-audit-first-seq': String(firstSeq), 'x-audit-last-seq': String(firstSeq + lines - 1), 'x-audit-events': String(lines) },
  };
}

function produceArgs(messages: ProducedMessage[], compression: number, extra: Partial<ProduceArgs> = {}): ProduceArgs {
  return { acks: -1, timeout: 30_000, compression, topicData: [{ topic: 'audit.events.v1.stored', partitions: [{ partition: 3, firstSequence: 0, messages }] }], ...extra };
}

/** Produce requests of every shape the project sends, and the odd ones kafkajs accepts. */
const CASES: Array<[string, (compression: number) => ProduceArgs, outcome: 'encodes' | 'fails']> = [
  ['one small record', (c) => produceArgs([{ key: 'org-1', value: Buffer.from('{"a":1}') }], c), 'encodes'],
  [
    'null and absent keys, a null value (tombstone), empty string and empty Buffer values',
    (c) => produceArgs([{ key: null, value: Buffer.from('x') }, { value: 'no key' }, { key: 'k', value: null }, { key: '', value: '' }, { key: Buffer.alloc(0), value: Buffer.alloc(0) }], c),
    'encodes',
  ],
  [
    'keys and values in multi-byte UTF-8 and with lone surrogates',
    (c) => produceArgs([{ key: 'organización-ü', value: 'événement 🚀 日本語' }, { key: '\ud800', value: 'a\udc00b' }], c),
    'encodes',
  ],
  [
    'headers of strings, Buffers, arrays of both, an empty array, multi-byte names and an empty object',
    (c) =>
      produceArgs(
        [
          { key: 'k', value: 'v', headers: { kind: 'events', raw: Buffer.from([0, 255, 10]), many: ['a', Buffer.from('b'), ''], none: [], 'naïve-ключ': 'значение' } },
          { key: 'k', value: 'v', headers: {} },
        ],
        c,
      ),
    'encodes',
  ],
  ['the projection\'s records: JSON lines packed into 256 KiB values, with their four headers', (c) => produceArgs([storedRecord('org-1', 1, 370), storedRecord('org-2', 41, 370), storedRecord('org-3', 7, 3)], c), 'encodes'],
  ['5,000 records of 700-byte JSON events', (c) => produceArgs(Array.from({ length: 5000 }, (_, i) => ({ key: `org-${i % 7}`, value: jsonLine(i) })), c), 'encodes'],
  [
    'values whose length varints take one to four bytes (63/64, 8,191/8,192, 1,048,575/1,048,576 bytes)',
    (c) => produceArgs([63, 64, 8191, 8192, 1_048_575, 1_048_576].map((length) => ({ key: String(length), value: Buffer.alloc(length, length % 251) })), c),
    'encodes',
  ],
  [
    'timestamps as text of different lengths (kafkajs sorts them as text: negative deltas), as numbers, and absent',
    (c) => produceArgs([{ value: 'a', timestamp: '999' }, { value: 'b', timestamp: '1000' }, { value: 'c' }, { value: 'd', timestamp: String(NOW - 5_000_000_000) }, { value: 'e', timestamp: NOW + 86_400_000 }], c),
    'encodes',
  ],
  ['a timestamp kafkajs cannot read as a 64-bit integer (it fails the send)', (c) => produceArgs([{ value: 'a', timestamp: '1.5' }, { value: 'b' }], c), 'fails'],
  [
    'several topics and partitions, one without messages, transactional, with a producer id, epoch and first sequences, and acks 1',
    (c) => ({
      acks: 1,
      timeout: 5_000,
      compression: c,
      transactionalId: 'tx-ingestor-1',
      producerId: Long.fromValue(4_000_000_001),
      producerEpoch: 3,
      topicData: [
        { topic: 'audit.events.v1', partitions: [{ partition: 0, firstSequence: 17, messages: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] }, { partition: 5, firstSequence: 2_000_000_000, messages: [] }] },
        { topic: 'audit.events.v1.stored', partitions: [{ partition: 1, messages: [storedRecord('org-9', 1, 2)] }] },
      ],
    }),
    'encodes',
  ],
  ['acks 0 and an empty transactional id', (c) => produceArgs([{ key: 'k', value: 'v' }], c, { acks: 0, transactionalId: '' }), 'encodes'],
  ['a value of a type kafkajs does not declare (a Uint8Array, which it writes as text), left to kafkajs', (c) => produceArgs([{ key: 'k', value: new Uint8Array([1, 2, 3]) as unknown as Buffer }], c), 'encodes'],
  ['a value kafkajs refuses (a number: it fails the send)', (c) => produceArgs([{ key: 'n', value: 42 as unknown as string }], c), 'fails'],
];

const caseNamed = (start: string) => CASES.find(([name]) => name.startsWith(start))![1];

/** The framed request as a connection writes it to the socket, or what stopped the encoding. */
async function encoded(protocol: ProduceProtocol, version: number, args: ProduceArgs, clientId = CLIENT_ID): Promise<Buffer | string> {
  try {
    const { request } = protocol({ version })(args);
    return (await createRequest({ correlationId: 41, clientId, request })).buffer;
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

/** Where two encodings first differ (-1: nowhere), with their lengths, so a failure points at the byte. */
function comparison(expected: Buffer | string, actual: Buffer | string) {
  if (typeof expected === 'string' || typeof actual === 'string') return { expected: String(expected), actual: String(actual) };
  let at = 0;
  while (at < expected.length && expected[at] === actual[at]) at += 1;
  return { expectedLength: expected.length, actualLength: actual.length, firstDifference: at === expected.length && at === actual.length ? -1 : at };
}

/** Bytes moved by Buffer#copy while `work` runs (kafkajs's encoder copies every buffer it writes with it). */
async function bytesCopiedDuring(work: () => Promise<unknown>): Promise<number> {
  const copy = jest.spyOn(Buffer.prototype, 'copy');
  try {
    await work();
    return copy.mock.results.reduce((sum, result) => sum + (result.value as number), 0);
  } finally {
    copy.mockRestore();
  }
}

/**
 * A compressor for each codec id: kafkajs's own gzip, Node's zstd, and stand-ins for Snappy and LZ4,
 * which neither kafkajs nor this project can write (the project produces with gzip or nothing); they
 * check that the records handed to a codec, and what it returns, are framed as kafkajs frames them.
 */
const COMPRESSORS: Array<[string, number, ((encoder: { buffer: Buffer }) => Promise<Buffer>) | undefined]> = [
  ['no compression', CompressionTypes.None, undefined],
  ['gzip', CompressionTypes.GZIP, undefined],
  ['Snappy', CompressionTypes.Snappy, async ({ buffer }) => Buffer.concat([Buffer.from('snappy'), buffer.subarray(0, 64), buffer.subarray(-64)])],
  ['LZ4', CompressionTypes.LZ4, async ({ buffer }) => Buffer.from(buffer.map((byte) => byte ^ 0x5a))],
  ['ZSTD', CompressionTypes.ZSTD, async ({ buffer }) => zstdCompressSync(buffer)],
];

describe('produce requests encoded into one buffer (patched into kafkajs by the client factory)', () => {
  const codecsBefore = { ...CompressionCodecs };

  beforeAll(() => {
    for (const [, type, compress] of COMPRESSORS) {
      if (compress) CompressionCodecs[type as keyof typeof CompressionCodecs] = () => ({ compress, decompress: async (buffer: Buffer) => buffer });
    }
  });
  beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(NOW));
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => Object.assign(CompressionCodecs, codecsBefore));

  describe.each(COMPRESSORS)('with %s', (_name, compression) => {
    it.each(CASES)('should encode %s byte for byte as kafkajs does', async (_case, args, outcome) => {
      const expected = await encoded(kafkajs, 7, args(compression));
      expect(typeof expected === 'string' ? `fails: ${expected}` : 'encodes').toBe(outcome === 'fails' ? `fails: ${expected}` : outcome);
      const actual = await encoded(singleBuffer, 7, args(compression));
      expect(comparison(expected, actual)).toEqual(comparison(expected, expected));
    });
  });

  it.each([3, 4, 5, 6])('should encode produce request v%i byte for byte as kafkajs does', async (version) => {
    const args = caseNamed('several topics');
    for (const [, compression] of COMPRESSORS) {
      const expected = await encoded(kafkajs, version, args(compression));
      expect(comparison(expected, await encoded(singleBuffer, version, args(compression)))).toEqual(comparison(expected, expected));
    }
  });

  it('should frame the request byte for byte as kafkajs does for a client id too long to go in front of the body without a copy', async () => {
    const clientId = `client-${'é'.repeat(300)}`;
    const args = caseNamed('the projection');
    const expected = await encoded(kafkajs, 7, args(CompressionTypes.None), clientId);
    expect(comparison(expected, await encoded(singleBuffer, 7, args(CompressionTypes.None), clientId))).toEqual(comparison(expected, expected));
  });

  it('should refuse a codec the project does not write (Snappy) with the same error as kafkajs', async () => {
    registerCompressionCodecs();
    const args = caseNamed('one small record');
    const expected = await encoded(kafkajs, 7, args(CompressionTypes.Snappy));
    expect(expected).toMatch(/read Snappy but do not write it/);
    expect(await encoded(singleBuffer, 7, args(CompressionTypes.Snappy))).toBe(expected);
  });

  it('should copy a record\'s value once between the message and the framed request (kafkajs alone: at least seven times)', async () => {
    const args = produceArgs([storedRecord('org-1', 1, 370)], CompressionTypes.None);
    const valueBytes = (args.topicData[0].partitions[0].messages[0].value as Buffer).length;
    const byKafkajs = await bytesCopiedDuring(() => encoded(kafkajs, 7, args));
    const bySingleBuffer = await bytesCopiedDuring(() => encoded(singleBuffer, 7, args));
    expect(byKafkajs).toBeGreaterThanOrEqual(7 * valueBytes);
    expect(bySingleBuffer).toBeLessThan(valueBytes + 256);
  });

  it('should leave a produce body intact for a second writer (only the first writes its header in front of it)', async () => {
    const Encoder = requireHere('kafkajs/src/protocol/encoder') as new () => { writeInt32(value: number): { writeEncoder(value: unknown): { buffer: Buffer } } };
    const body = (await (singleBuffer({ version: 7 })(produceArgs([storedRecord('org-1', 1, 20)], CompressionTypes.None)).request as { encode(): Promise<{ buffer: Buffer }> }).encode());
    const bytes = Buffer.from(body.buffer);
    const first = new Encoder().writeInt32(1).writeEncoder(body).buffer;
    const second = new Encoder().writeInt32(2).writeEncoder(body).buffer;
    expect([first.readInt32BE(0), second.readInt32BE(0)]).toEqual([1, 2]);
    expect([first.subarray(4).equals(bytes), second.subarray(4).equals(bytes), body.buffer.equals(bytes)]).toEqual([true, true, true]);
  });

  it('should frame one request again on a retry with the same bytes, the first framing left as it was', async () => {
    // kafkajs's connection encodes a request anew on every attempt (sendRequest → createRequest → encode).
    const args = caseNamed('the projection')(CompressionTypes.None);
    const { request } = singleBuffer({ version: 7 })(args);
    const first = (await createRequest({ correlationId: 41, clientId: CLIENT_ID, request })).buffer;
    const kept = Buffer.from(first);
    const retry = (await createRequest({ correlationId: 41, clientId: CLIENT_ID, request })).buffer;
    const expected = await encoded(kafkajs, 7, args);
    expect(comparison(expected, retry)).toEqual(comparison(expected, expected));
    expect(first.equals(kept)).toBe(true);
  });

  it('should be the encoding kafkajs\'s brokers look up once the client factory is loaded, and patching again changes nothing', async () => {
    await jest.isolateModulesAsync(async () => {
      const fresh = createRequire(__filename);
      const { requests, lookup } = fresh('kafkajs/src/protocol/requests') as KafkajsRequests;
      const frame = fresh('kafkajs/src/protocol/request') as typeof createRequest;
      const args = produceArgs([storedRecord('org-1', 1, 370)], CompressionTypes.None);
      const valueBytes = (args.topicData[0].partitions[0].messages[0].value as Buffer).length;
      const copiedBy = (protocol: ProduceProtocol) => bytesCopiedDuring(() => frame({ correlationId: 1, clientId: CLIENT_ID, request: protocol({ version: 7 })(args).request }));
      const brokersProduce: ProduceProtocol = ({ version }) => lookup({ 0: { minVersion: 3, maxVersion: version } })(0, requests.Produce);
      expect(await copiedBy(brokersProduce)).toBeGreaterThanOrEqual(7 * valueBytes);
      fresh('../kafka-client.factory');
      expect(await copiedBy(brokersProduce)).toBeLessThan(valueBytes + 256);
      const patched = requests.Produce.protocol;
      (fresh('./produce-request.patch') as { patchKafkajsProduceEncoding(): void }).patchKafkajsProduceEncoding();
      expect(requests.Produce.protocol).toBe(patched);
    });
  });
});
