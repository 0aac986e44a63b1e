// The worker thread of `kafkaThread: 'worker'`: owns the kafkajs producer, so that encoding
// requests (record batches, CRC32C, varints) and socket I/O run beside the caller's event loop
// rather than on it. It does one thing at a time in the order asked; AuditProducer keeps every
// event until this thread reports the broker's acknowledgement.
import { parentPort, workerData } from 'node:worker_threads';
import { createAuditKafkaProducer } from './kafka-producer.factory';
import type { KafkaWorkerData, KafkaWorkerReply, KafkaWorkerRequest, PackedBatch } from './kafka-worker.protocol';

const port = parentPort;
if (!port) throw new Error('kafka-send.worker runs only as a worker thread');
const producer = createAuditKafkaProducer((workerData as KafkaWorkerData).settings);

/** Views into the moved buffer: kafkajs copies them into its request, nothing is copied here. */
function unpack({ bytes, bounds }: PackedBatch): Array<{ key: Buffer; value: Buffer }> {
  const messages = new Array<{ key: Buffer; value: Buffer }>((bounds.length - 1) / 2);
  for (let i = 0; i < messages.length; i += 1) {
    messages[i] = {
      key: Buffer.from(bytes, bounds[2 * i], bounds[2 * i + 1] - bounds[2 * i]),
      value: Buffer.from(bytes, bounds[2 * i + 1], bounds[2 * i + 2] - bounds[2 * i + 1]),
    };
  }
  return messages;
}

async function handle(request: KafkaWorkerRequest): Promise<KafkaWorkerReply> {
  try {
    if (request.type === 'connect') await producer.connect();
    else if (request.type === 'disconnect') await producer.disconnect();
    else return { id: request.id, ok: true, result: await producer.send({ topic: request.topic, acks: request.acks, messages: unpack(request.batch) }) };
    return { id: request.id, ok: true };
  } catch (error) {
    const { name, message } = error as Error;
    return { id: request.id, ok: false, error: { name, message } };
  }
}

port.on('message', (request: KafkaWorkerRequest) => void handle(request).then((reply) => port.postMessage(reply)));
