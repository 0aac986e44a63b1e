import { canonicalEventJson, linkHash, type StoredLink } from './event-chain';

/** Recomputes stored links' hashes: each at its own sequence, after its own stored previous hash. */
export interface LinkHasher {
  hash(links: StoredLink[]): Promise<string[]>;
}

/** What a verifier compares each stored chain_hash with. */
export function recomputeLinkHashes(links: StoredLink[]): string[] {
  return links.map((link) => linkHash(link.chain_prev_hash, canonicalEventJson(link, link.chain_seq)));
}

/** On the calling thread (the CLI, an offline check, tests). */
export const inlineLinkHasher: LinkHasher = { hash: async (links) => recomputeLinkHashes(links) };
