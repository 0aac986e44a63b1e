import type { Message, ProducerRecord, RecordMetadata } from 'kafkajs';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AuditProducerWorkerError } from './audit-producer.errors';
import type { KafkaProducerLike } from './audit-producer.options';
import type { KafkaProducerSettings } from './kafka-producer.factory';
import type { KafkaWorkerData, KafkaWorkerReply, KafkaWorkerRequest, PackedBatch } from './kafka-worker.protocol';

/** A request before it is numbered (distributes over the union, so each kind keeps its own fields). */
type Unnumbered<T> = T extends unknown ? Omit<T, 'id'> : never;

interface Thread {
  worker: Worker;
  replies: Map<number, { resolve(result: RecordMetadata[] | undefined): void; reject(error: Error): void }>;
  error?: Error;
}

// From TypeScript sources (ts-jest) there is no compiled worker file: the thread compiles the
// worker module and what it imports on the fly, with the workspace's path aliases.
const TS_BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
const { existsSync, readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
let root = dirname(workerData.entry);
while (!existsSync(join(root, 'tsconfig.base.json'))) root = dirname(root);
const ts = require(require.resolve('typescript', { paths: [root] }));
const { compilerOptions } = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8'));
const options = { ...compilerOptions, module: 'commonjs', moduleResolution: 'node', paths: undefined, baseUrl: undefined, rootDir: undefined, types: undefined };
const { options: compiled } = ts.convertCompilerOptionsFromJson(options, root);
require.extensions['.ts'] = (module, file) => module._compile(ts.transpileModule(readFileSync(file, 'utf8'), { fileName: file, compilerOptions: compiled }).outputText, file);
require(require.resolve('tsconfig-paths', { paths: [root] })).register({ baseUrl: root, paths: compilerOptions.paths });
require(workerData.entry);
`;

/** Starts the worker thread: the compiled worker module beside this one, or its TypeScript source. */
export function startKafkaWorker(data: KafkaWorkerData): Worker {
  const entry = join(__dirname, `kafka-send.worker${extname(__filename)}`);
  if (entry.endsWith('.ts')) return new Worker(TS_BOOTSTRAP, { eval: true, workerData: { ...data, entry } });
  return new Worker(entry, { workerData: data });
}

/**
 * A kafkajs producer that lives in a worker thread (`kafkaThread: 'worker'`). The caller's thread
 * packs each batch's keys and values into one buffer and moves it to the worker (transferred, not
 * copied); the worker encodes, sends and reports the acknowledgement. If the thread dies, every
 * request it had not answered rejects with `AuditProducerWorkerError` and the next `connect()`
 * starts a new thread; AuditProducer still holds those events and sends them again.
 */
export class KafkaWorkerProducer implements KafkaProducerLike {
  private thread: Thread | undefined;
  private nextId = 0;

  constructor(
    private readonly settings: KafkaProducerSettings,
    private readonly startWorker: (data: KafkaWorkerData) => Worker = startKafkaWorker,
  ) {}

  async connect(): Promise<void> {
    await this.request({ type: 'connect' });
  }

  /** Disconnects the producer, then ends the thread and waits until it has stopped. */
  async disconnect(): Promise<void> {
    const thread = this.thread;
    if (!thread) return;
    try {
      await this.request({ type: 'disconnect' });
    } finally {
      this.thread = undefined;
      await thread.worker.terminate();
    }
  }

  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    const batch = pack(record.messages);
    const result = await this.request({ type: 'send', topic: record.topic, acks: record.acks ?? -1, batch }, [batch.bytes, batch.bounds.buffer as ArrayBuffer]);
    return result ?? [];
  }

  private request(request: Unnumbered<KafkaWorkerRequest>, transfer: ArrayBuffer[] = []): Promise<RecordMetadata[] | undefined> {
    const thread = (this.thread ??= this.start());
    const id = ++this.nextId;
    // The thread keeps the process alive only while it owes an answer, like a pending socket
    // read: an idle producer never holds up the exit hooks (`beforeExit`) that flush and close it.
    if (thread.replies.size === 0) thread.worker.ref();
    return new Promise((resolve, reject) => {
      thread.replies.set(id, { resolve, reject });
      thread.worker.postMessage({ ...request, id }, transfer);
    });
  }

  private start(): Thread {
    const worker = this.startWorker({ settings: this.settings });
    const thread: Thread = { worker, replies: new Map() };
    worker.on('message', (reply: KafkaWorkerReply) => {
      const waiting = thread.replies.get(reply.id);
      thread.replies.delete(reply.id);
      if (thread.replies.size === 0) worker.unref();
      if (reply.ok) waiting?.resolve(reply.result);
      else waiting?.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
    });
    worker.on('error', (error) => (thread.error = error));
    worker.once('exit', (code) => {
      if (this.thread === thread) this.thread = undefined;
      const error = new AuditProducerWorkerError(code, thread.error);
      for (const waiting of thread.replies.values()) waiting.reject(error);
      thread.replies.clear();
    });
    return thread;
  }
}

function pack(messages: Message[]): PackedBatch {
  let size = 0;
  for (const { key, value } of messages) size += byteLength(key) + byteLength(value);
  // Its own memory (not the shared pool), so that the whole ArrayBuffer can be moved.
  const bytes = Buffer.allocUnsafeSlow(size);
  const bounds = new Uint32Array(2 * messages.length + 1);
  let offset = 0;
  for (let i = 0; i < messages.length; i += 1) {
    offset += put(bytes, offset, messages[i].key);
    bounds[2 * i + 1] = offset;
    offset += put(bytes, offset, messages[i].value);
    bounds[2 * i + 2] = offset;
  }
  return { bytes: bytes.buffer as ArrayBuffer, bounds };
}

function byteLength(part: Message['key'] | Message['value']): number {
  if (typeof part === 'string') return Buffer.byteLength(part);
  if (Buffer.isBuffer(part)) return part.length;
  throw new TypeError('the Kafka worker thread sends string or Buffer keys and values only');
}

function put(bytes: Buffer, offset: number, part: Message['key'] | Message['value']): number {
  return typeof part === 'string' ? bytes.write(part, offset) : (part as Buffer).copy(bytes, offset);
}
