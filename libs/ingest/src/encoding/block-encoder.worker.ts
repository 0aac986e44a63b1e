// The entry of BlockEncoder's worker threads: encodes the blocks it is sent, in the order sent.
import { parentPort } from 'node:worker_threads';
import { encodeBlock, type EncodedBlock, type EncodeRequest } from './block.encode';

export interface EncodeJob {
  id: number;
  request: EncodeRequest;
}

export type EncodeReply = { id: number; block: EncodedBlock; error?: undefined } | { id: number; block?: undefined; error: string };

parentPort?.on('message', ({ id, request }: EncodeJob) => {
  let reply: EncodeReply;
  try {
    reply = { id, block: encodeBlock(request) };
  } catch (error) {
    reply = { id, error: error instanceof Error ? error.message : String(error) };
  }
  // The body's bytes move to the main thread rather than being copied.
  parentPort!.postMessage(reply, reply.block ? [reply.block.body.buffer as ArrayBuffer] : []);
});
