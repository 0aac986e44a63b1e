// CPU of encoding produce requests: kafkajs's own encoder against the single-buffer one libs/kafka
// patches in (produce-encoding/), taking turns in one process on the same sends, each framed as a
// connection frames it for the socket. Two shapes:
// - the projection topic's sends: what StoredEventsPublisher sends for a block of chained stored rows
//   (each organization's JSONEachRow lines packed into records of up to 256 KiB, sends of up to 512 KiB);
// - the source topic's sends: 5,000 events a send, as the ingest bench and product services publish.
// CPU is process.cpuUsage (user + system, every thread: the garbage collector's included), the heap
// collected before each turn. No broker.
// Run with `npm run bench -- --only produce-encoding`; BENCH_ENCODING_EVENTS and BENCH_ENCODING_ROUNDS scale it.
import { encodeBlock, packValues, StoredEventsPublisher } from '@audit/ingest';
import { GENESIS } from '@audit/integrity';
import { produceRequestEncodings, type ProduceArgs, type ProduceProtocol } from '@audit/kafka';
import { generatedEvent, toMessage } from '@audit/testing';
import { Partitioners, type Message, type Producer } from 'kafkajs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { benchRow, writeBenchResults } from './lib';

const EVENTS = Number(process.env.BENCH_ENCODING_EVENTS ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ENCODING_ROUNDS ?? 12);
const PARTITIONS = 6;
const SOURCE_SEND = 5_000;
const TOPIC = 'audit.events.v1';
const log = (message: string) => console.log(`[produce-encoding bench] ${message}`);

/** kafkajs's framing of a request for the socket (size, API key, version, correlation id, client id), as its connections call it. */
const frame = createRequire(__filename)('kafkajs/src/protocol/request') as (options: { correlationId: number; clientId: string; request: unknown }) => Promise<{ buffer: Buffer }>;

/** A send's messages as kafkajs's producer hands them to a produce request: grouped by its default partitioner. */
function produceArgs(topic: string, messages: Message[]): ProduceArgs {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
  const byPartition = new Map<number, Message[]>();
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    const batch = byPartition.get(partition);
    if (batch) batch.push(message);
    else byPartition.set(partition, [message]);
  }
  const partitions = [...byPartition].map(([partition, batch]) => ({ partition, firstSequence: 0, messages: batch }));
  return { acks: -1, timeout: 30_000, compression: 0, producerId: 1, producerEpoch: 0, topicData: [{ topic, partitions }] };
}

/** What StoredEventsPublisher sends for one block of `events` chained stored rows. */
async function projectionSends(sources: Message[]): Promise<ProduceArgs[]> {
  const keys = sources.map((message) => String(message.key));
  const organizations = [...new Set(keys)];
  const block = encodeBlock({
    topic: TOPIC,
    partition: 0,
    ...packValues(sources.map((message) => Buffer.from(message.value as string))),
    keys,
    offsets: keys.map((_, index) => String(index)),
    now: Date.now(),
    before: new Map(organizations.map((organization) => [organization, GENESIS])),
    retentionDays: new Map(organizations.map((organization) => [organization, 2192])),
  });
  if (block.letters.length > 0) throw new Error(`bench events are invalid: ${JSON.stringify(block.letters[0])}`);
  const sends: ProduceArgs[] = [];
  const producer: Pick<Producer, 'send'> = { send: async ({ topic, messages }) => (sends.push(produceArgs(topic, messages)), []) };
  await new StoredEventsPublisher(producer, `${TOPIC}.stored`).publish([{ body: block.body, organizations: block.rows.map((row) => keys[row]), before: new Map() }]);
  return sends;
}

async function encodeAll(protocol: ProduceProtocol, sends: ProduceArgs[]): Promise<Buffer[]> {
  const framed: Buffer[] = [];
  for (const args of sends) framed.push((await frame({ correlationId: 1, clientId: 'audit-ingestor', request: protocol({ version: 7 })(args).request })).buffer);
  return framed;
}

/** Refuses to measure encodings that differ: both run with the same clock, and every framed request is compared byte for byte. */
async function checkSameBytes(kafkajs: ProduceProtocol, singleBuffer: ProduceProtocol, sends: ProduceArgs[]): Promise<void> {
  const now = Date.now;
  const frozen = now();
  Date.now = () => frozen;
  try {
    const [expected, actual] = [await encodeAll(kafkajs, sends), await encodeAll(singleBuffer, sends)];
    const differing = expected.findIndex((bytes, index) => !bytes.equals(actual[index]));
    if (differing >= 0) throw new Error(`send ${differing}: the single-buffer encoding differs from kafkajs's`);
  } finally {
    Date.now = now;
  }
}

/**
 * CPU µs per event of encoding every send once. The heap is collected first (outside the measure,
 * when the bench runs with --expose-gc as `npm run bench` runs it), so a turn does not pay for the
 * garbage the other encoder left.
 */
async function cpuMicrosPerEvent(protocol: ProduceProtocol, sends: ProduceArgs[], events: number): Promise<number> {
  globalThis.gc?.();
  const before = process.cpuUsage();
  await encodeAll(protocol, sends);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / events;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Both encoders, turn about (which one goes first alternates), on the same sends; the median turn of each. */
async function compare(shape: string, sends: ProduceArgs[], events: number) {
  const { kafkajs, singleBuffer } = produceRequestEncodings();
  await checkSameBytes(kafkajs, singleBuffer, sends);
  const turns = { kafkajs: [] as number[], singleBuffer: [] as number[] };
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = round % 2 === 0 ? (['kafkajs', 'singleBuffer'] as const) : (['singleBuffer', 'kafkajs'] as const);
    for (const name of order) turns[name].push(await cpuMicrosPerEvent(name === 'kafkajs' ? kafkajs : singleBuffer, sends, events));
  }
  const records = sends.reduce((sum, args) => sum + args.topicData[0].partitions.reduce((count, partition) => count + partition.messages.length, 0), 0);
  const bytes = sends.reduce((sum, args) => sum + args.topicData[0].partitions.reduce((total, partition) => total + partition.messages.reduce((size, message) => size + Buffer.byteLength(message.value ?? ''), 0), 0), 0);
  log(`${shape}: kafkajs ${turns.kafkajs.map((t) => t.toFixed(2)).join(' ')} | single buffer ${turns.singleBuffer.map((t) => t.toFixed(2)).join(' ')} µs/event`);
  return { kafkajs: median(turns.kafkajs), singleBuffer: median(turns.singleBuffer), config: { events, records, sends: sends.length, valueBytes: bytes } };
}

async function main(): Promise<void> {
  const load = { before: loadavg()[0], cores: availableParallelism() };
  const occurredAt = new Date(Date.now() - 3_600_000).toISOString();
  const sources = Array.from({ length: EVENTS }, (_, index) => toMessage(generatedEvent(index, { occurredAt })));
  log(`${EVENTS} events, ${ROUNDS} rounds, load ${load.before.toFixed(2)} on ${load.cores} cores`);
  const projection = await compare('projection sends', await projectionSends(sources), EVENTS);
  const sourceSends: ProduceArgs[] = [];
  for (let start = 0; start < EVENTS; start += SOURCE_SEND) sourceSends.push(produceArgs(TOPIC, sources.slice(start, start + SOURCE_SEND)));
  const source = await compare('source sends', sourceSends, EVENTS);
  const config = { rounds: ROUNDS, statistic: 'median turn, CPU (user + system) per event', loadBefore: load.before, loadAfter: loadavg()[0], cores: load.cores, node: process.version };
  writeBenchResults('produce-encoding', [
    benchRow({
      name: 'projection topic sends (StoredEventsPublisher, one block): encoding CPU, single buffer',
      value: projection.singleBuffer,
      unit: 'µs/event',
      baseline: { name: 'kafkajs\'s encoder on the same sends', value: projection.kafkajs },
      config: { ...config, ...projection.config },
    }),
    benchRow({
      name: `source topic sends (${SOURCE_SEND} events a send): encoding CPU, single buffer`,
      value: source.singleBuffer,
      unit: 'µs/event',
      baseline: { name: 'kafkajs\'s encoder on the same sends', value: source.kafkajs },
      config: { ...config, ...source.config },
    }),
  ]);
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
