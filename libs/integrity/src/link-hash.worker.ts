// The entry of LinkHashPool's worker threads: recomputes the hashes of the batches it is sent, in order.
import { serveJobs, type ThreadJobs } from '@audit/threads';
import type { StoredLink } from './event-chain';
import { recomputeLinkHashes } from './link.hasher';

export type LinkHashJobs = ThreadJobs<StoredLink[], string[]>;

serveJobs<LinkHashJobs>(recomputeLinkHashes);
