// The entry of BlockEncoder's worker threads: encodes the blocks it is sent, in the order sent.
import { serveJobs, type ThreadJobs } from '@audit/threads';
import { encodeBlock, type EncodedBlock, type EncodeRequest } from './block.encode';

export type BlockEncoderJobs = ThreadJobs<EncodeRequest, EncodedBlock>;

// The body's bytes move to the main thread rather than being copied.
serveJobs<BlockEncoderJobs>(encodeBlock, (block) => [block.body.buffer as ArrayBuffer]);
