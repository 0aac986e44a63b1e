import type { RecordMetadata } from 'kafkajs';
import type { KafkaProducerSettings } from './kafka-producer.factory';

/** What the worker thread is started with. */
export interface KafkaWorkerData {
  settings: KafkaProducerSettings;
  /** Set when running from TypeScript sources (ts-jest): the module the bootstrap compiles and loads. */
  entry?: string;
}

/**
 * One batch, packed: every key and value back to back in `bytes` (moved to the worker, not
 * copied); message i's key is `bytes[bounds[2i], bounds[2i+1])`, its value
 * `bytes[bounds[2i+1], bounds[2i+2])`.
 */
export interface PackedBatch {
  bytes: ArrayBuffer;
  bounds: Uint32Array;
}

export type KafkaWorkerRequest =
  | { id: number; type: 'connect' }
  | { id: number; type: 'disconnect' }
  | { id: number; type: 'send'; topic: string; acks: number; batch: PackedBatch };

export type KafkaWorkerReply =
  | { id: number; ok: true; result?: RecordMetadata[] }
  | { id: number; ok: false; error: { name: string; message: string } };
