// The entry of LinkHashPool's worker threads: recomputes the hashes of the batches it is sent, in order.
import { parentPort } from 'node:worker_threads';
import type { StoredLink } from './event-chain';
import { recomputeLinkHashes } from './link.hasher';

export interface LinkHashJob {
  id: number;
  links: StoredLink[];
}

export type LinkHashReply = { id: number; hashes: string[]; error?: undefined } | { id: number; hashes?: undefined; error: string };

parentPort?.on('message', ({ id, links }: LinkHashJob) => {
  let reply: LinkHashReply;
  try {
    reply = { id, hashes: recomputeLinkHashes(links) };
  } catch (error) {
    reply = { id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(reply);
});
