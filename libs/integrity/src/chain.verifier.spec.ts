import { signCheckpoint } from './chain-checkpoint';
import { verifyStoredChain, walkChain, type ChainSource } from './chain.verifier';
import type { StoredLink } from './event-chain';
import { appendLink, GENESIS, type ChainedColumns, type ChainHead } from './event-chain';
import { LinkHashPool } from './link-hash.pool';
import { recomputeLinkHashes } from './link.hasher';
import { loadSigningKey } from './signing';
import { generateKeyPairSync } from 'node:crypto';

function columns(index: number, organizationId = 'org_a'): ChainedColumns {
  return {
    organization_id: organizationId,
    event_id: `0190a000-0000-7000-8000-${String(index).padStart(12, '0')}`,
    occurred_at: `2026-11-25 10:00:${String(index % 60).padStart(2, '0')}.000`,
    actor_id: 'user_1',
    actor_type: 'user',
    actor_name: '',
    actor_email: 'ada@example.com',
    actor_ip: '',
    actor_user_agent: '',
    action: 'update',
    resource_type: 'Member',
    resource_id: `member_${index}`,
    resource_name: '',
    status: 'success',
    reason: '',
    request_id: '',
    session_id: '',
    changes: '',
    metadata: '',
    schema_version: 1,
  };
}

/** A correctly chained list of `count` stored links. */
function chain(count: number): StoredLink[] {
  const links: StoredLink[] = [];
  let head: ChainHead = GENESIS;
  for (let index = 0; index < count; index++) {
    const link = appendLink(head, columns(index));
    links.push({ ...columns(index), chain_seq: link.head.seq, chain_prev_hash: link.prevHash, chain_hash: link.head.hash });
    head = link.head;
  }
  return links;
}

async function* batches(links: StoredLink[], size = 7): AsyncGenerator<StoredLink[]> {
  for (let start = 0; start < links.length; start += size) yield links.slice(start, start + size);
}

const plan = { organizationId: 'org_a', startSeq: 1, startPrevHash: GENESIS.hash, toEnd: true };

/** A source over links in memory, for the planning rules. */
function memorySource(links: StoredLink[], extra: Partial<ChainSource> = {}): ChainSource {
  const seqOf = (link: StoredLink) => link.chain_seq;
  return {
    newestCheckpoint: async () => undefined,
    latestHead: async () => undefined,
    storedEnd: async () => Math.max(0, ...links.map(seqOf)),
    seqRange: async (_organization, window) => {
      const inside = links.filter((link) => (!window.from || `${link.occurred_at}` >= window.from) && (!window.to || link.occurred_at < window.to)).map(seqOf);
      return inside.length ? { first: Math.min(...inside), last: Math.max(...inside) } : undefined;
    },
    streamLinks: (_organization, fromSeq, toSeq) => batches(links.filter((link) => link.chain_seq >= fromSeq && link.chain_seq <= toSeq)),
    seqOfHash: async (_organization, hash) => links.find((link) => link.chain_hash === hash)?.chain_seq,
    ...extra,
  };
}

describe('walkChain', () => {
  it('should report ok with the head of an intact chain', async () => {
    const links = chain(20);

    const report = await walkChain(batches(links), plan);

    expect(report).toEqual({
      status: 'ok',
      organizationId: 'org_a',
      checked: 20,
      firstSeq: 1,
      lastSeq: 20,
      head: { seq: 20, hash: links[19].chain_hash },
      complete: true,
    });
  });

  it('should skip an exact stored copy of a link but report two different rows sharing a sequence number as forked', async () => {
    const links = chain(10);
    const copied = [...links.slice(0, 5), { ...links[4] }, ...links.slice(5)];
    // Another event chained after the same link 4: what two writers of one chain would store.
    const rival = appendLink({ seq: 4, hash: links[3].chain_hash }, columns(99));
    const forked = [...links.slice(0, 5), { ...columns(99), chain_seq: 5, chain_prev_hash: rival.prevHash, chain_hash: rival.head.hash }, ...links.slice(5)];

    expect(await walkChain(batches(copied), plan)).toMatchObject({ status: 'ok', checked: 10 });
    expect((await walkChain(batches(forked), plan)).firstBreak).toMatchObject({ kind: 'forked', seq: 5, eventId: columns(99).event_id });
  });

  it('should report a changed copy of a link (same hashes, other columns) as altered, not skip it', async () => {
    const links = chain(10);
    const forged = [...links.slice(0, 5), { ...links[4], action: 'view' }, ...links.slice(5)];

    const report = await walkChain(batches(forged), plan);

    expect(report.firstBreak).toMatchObject({ kind: 'altered', seq: 5, eventId: links[4].event_id, expected: links[4].chain_hash });
  });

  it('should report a missing first link when the chain does not start at 1', async () => {
    const report = await walkChain(batches(chain(5).slice(1)), plan);

    expect(report.firstBreak).toMatchObject({ kind: 'missing', seq: 1, found: 'seq 2' });
  });

  it('should trust the first row of a window whose previous hash is unknown, and check it from there', async () => {
    const links = chain(30);

    const report = await walkChain(batches(links.slice(9, 20)), { organizationId: 'org_a', startSeq: 10, toEnd: false });

    expect(report).toMatchObject({ status: 'ok', firstSeq: 10, lastSeq: 20, checked: 11 });
  });

  it('should stop at the row limit and say where to go on', async () => {
    const report = await walkChain(batches(chain(30)), { ...plan, maxRows: 12 });

    expect(report).toMatchObject({ status: 'ok', checked: 12, lastSeq: 12, complete: false, nextSeq: 13 });
  });

  it('should not call the end truncated when the walk was cut by its limit', async () => {
    const links = chain(30);

    const report = await walkChain(batches(links), { ...plan, maxRows: 10, anchors: [{ seq: 30, hash: links[29].chain_hash, source: 'checkpoint' }] });

    expect(report.firstBreak).toBeUndefined();
  });

  it('should tell a row moved to another sequence number from an altered one', async () => {
    const links = chain(10);
    const moved = [...links.slice(0, 3), { ...links[6], chain_seq: 4 }, ...links.slice(4, 6), { ...links[3], chain_seq: 7 }, ...links.slice(7)];
    const byHash = (hash: string) => Promise.resolve(links.find((link) => link.chain_hash === hash)?.chain_seq);

    const report = await walkChain(batches(moved), { ...plan, locate: byHash });

    expect(report.firstBreak).toMatchObject({ kind: 'reordered', seq: 4, eventId: links[6].event_id, found: links[5].chain_hash });
  });
});

describe('verifyStoredChain', () => {
  const key = loadSigningKey(generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());

  it('should use a checkpoint kept outside the store when it is newer than the stored one', async () => {
    const links = chain(10);
    const kept = signCheckpoint(key, 'org_a', { seq: 12, hash: 'ab'.repeat(32) });
    const stored = signCheckpoint(key, 'org_a', { seq: 10, hash: links[9].chain_hash });

    const report = await verifyStoredChain(memorySource(links, { newestCheckpoint: async () => stored }), {
      organizationId: 'org_a',
      publicKey: key.publicKey,
      externalCheckpoint: kept,
    });

    expect(report.firstBreak).toMatchObject({ kind: 'truncated', seq: 11, found: 'seq 10' });
    expect(report.checkpoint).toMatchObject({ chainSeq: 12, signature: 'valid', compared: true });
  });

  it('should report every link deleted when a head is recorded but no row is stored', async () => {
    const report = await verifyStoredChain(memorySource([], { latestHead: async () => ({ seq: 3, hash: 'cd'.repeat(32) }) }), { organizationId: 'org_a' });

    expect(report.firstBreak).toMatchObject({ kind: 'truncated', seq: 1, found: 'no rows' });
  });

  it('should answer ok with nothing checked for a window without events', async () => {
    const report = await verifyStoredChain(memorySource(chain(5)), { organizationId: 'org_a', from: '2030-01-01 00:00:00.000', to: '2030-01-02 00:00:00.000' });

    expect(report).toMatchObject({ status: 'ok', checked: 0, firstSeq: null });
  });

  it('should still catch deleted newest rows when a window up to now holds no event any more', async () => {
    const links = chain(10);
    const head = { seq: 15, hash: 'ef'.repeat(32) };

    const report = await verifyStoredChain(memorySource(links, { latestHead: async () => head }), { organizationId: 'org_a', from: '2030-01-01 00:00:00.000' });

    expect(report).toMatchObject({ status: 'broken', checked: 1, firstSeq: 10, firstBreak: { kind: 'truncated', seq: 11, found: 'seq 10' } });
  });

  it('should widen a window by the link before it, so a deleted first row of the window shows', async () => {
    const links = chain(30);
    const withoutNine = links.filter((link) => link.chain_seq !== 9);

    const report = await verifyStoredChain(memorySource(withoutNine), { organizationId: 'org_a', from: links[9].occurred_at, to: links[19].occurred_at });

    expect(report.firstBreak).toMatchObject({ kind: 'missing', seq: 9 });
  });
});

describe('walkChain with a hasher of its own', () => {
  it('should compare each row with the hash its hasher recomputed, batch by batch', async () => {
    const links = chain(20);
    const seen: number[] = [];
    // A hasher that disagrees about link 12 stands for a row whose columns changed.
    const hasher = { hash: async (batch: StoredLink[]) => (seen.push(batch.length), recomputeLinkHashes(batch).map((hash, index) => (batch[index].chain_seq === 12 ? '0'.repeat(64) : hash))) };

    const report = await walkChain(batches(links), { ...plan, hasher });

    expect(report.firstBreak).toMatchObject({ seq: 12, kind: 'altered' });
    expect(seen).toEqual([7, 7]);
  });

  it('should find a sound chain sound through a pool with no compiled worker (the calling thread)', async () => {
    const pool = new LinkHashPool(2);
    try {
      expect(await walkChain(batches(chain(50)), { ...plan, hasher: pool })).toMatchObject({ status: 'ok', checked: 50, complete: true });
    } finally {
      await pool.close();
    }
  });
});
