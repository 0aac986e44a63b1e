import { signCheckpoint } from './chain-checkpoint';
import { walkChain } from './chain.verifier';
import type { StoredLink } from './event-chain';
import { chainedColumns } from '../testing';
import { appendLink, GENESIS, type ChainState } from './event-chain';
import { signExpiryStatement, type SignedExpiryStatement } from './expiry-statement';
import { LinkHashPool } from './link-hash.pool';
import { recomputeLinkHashes } from './link.hasher';
import { DAY_MS } from './retention.policy';
import { loadSigningKey } from './signing';
import { verifyStoredChain, type ChainSource } from './stored-chain.verifier';
import { generateKeyPairSync } from 'node:crypto';

const JAN_1 = Date.parse('2026-01-01T00:00:00.000Z');

/**
 * A correctly chained list of `count` stored links; with `retentionDays`, each link carries its
 * expiry, link i recorded on day i after January 1st 2026.
 */
function chain(count: number, retentionDays?: number): StoredLink[] {
  const links: StoredLink[] = [];
  let head: ChainState = GENESIS;
  for (let index = 0; index < count; index++) {
    const link = appendLink(head, chainedColumns(index), retentionDays === undefined ? undefined : { countedFrom: JAN_1 + index * DAY_MS, retentionDays });
    const expiresAt = JSON.parse(link.canonicalJson).expires_at as string | undefined;
    links.push({ ...chainedColumns(index), ...(expiresAt && { expires_at: expiresAt }), chain_seq: link.head.seq, chain_prev_hash: link.prevHash, chain_hash: link.head.hash });
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
    newestExpiry: async () => undefined,
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
    const rival = appendLink({ seq: 4, hash: links[3].chain_hash }, chainedColumns(99));
    const forked = [...links.slice(0, 5), { ...chainedColumns(99), chain_seq: 5, chain_prev_hash: rival.prevHash, chain_hash: rival.head.hash }, ...links.slice(5)];

    expect(await walkChain(batches(copied), plan)).toMatchObject({ status: 'ok', checked: 10 });
    expect((await walkChain(batches(forked), plan)).firstBreak).toMatchObject({ kind: 'forked', seq: 5, eventId: chainedColumns(99).event_id });
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

describe('verifyStoredChain after an expiry', () => {
  const key = loadSigningKey(generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
  const otherKey = loadSigningKey(generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
  const links = chain(30, 1);
  /** Links 1…10 expired: what the expiry job signs once link 10's expiry has passed. */
  const statement = signExpiryStatement(key, 'org_a', { seq: 10, hash: links[9].chain_hash }, JAN_1 + 11 * DAY_MS, new Date(JAN_1 + 12 * DAY_MS));
  const retained = links.slice(10);
  const expiredSource = (stored: StoredLink[], newest: SignedExpiryStatement | null = statement, extra: Partial<ChainSource> = {}) =>
    memorySource(stored, { newestExpiry: async () => newest ?? undefined, latestHead: async () => ({ seq: 30, hash: links[29].chain_hash }), ...extra });

  it('should start after the newest expiry statement and verify every retained link from its hash', async () => {
    const report = await verifyStoredChain(expiredSource(retained), { organizationId: 'org_a', publicKey: key.publicKey });

    expect(report).toMatchObject({ status: 'ok', checked: 20, firstSeq: 11, lastSeq: 30, complete: true });
    expect(report.expiry).toEqual({ chainSeq: 10, chainHash: links[9].chain_hash, expiredAt: statement.expiredAt, signedAt: statement.signedAt, keyId: key.keyId, signature: 'valid' });
  });

  it('should report the expired links missing when no statement covers them', async () => {
    const report = await verifyStoredChain(expiredSource(retained, null), { organizationId: 'org_a', publicKey: key.publicKey });

    expect(report.firstBreak).toMatchObject({ kind: 'missing', seq: 1, found: 'seq 11' });
  });

  it('should ignore expired links the TTL has not removed yet', async () => {
    const partly = [...links.slice(2, 4), ...links.slice(7)];

    const report = await verifyStoredChain(expiredSource(partly), { organizationId: 'org_a', publicKey: key.publicKey });

    expect(report).toMatchObject({ status: 'ok', firstSeq: 11, checked: 20 });
  });

  it('should catch a deleted retained link, the first one after the statement, and deleted newest links', async () => {
    const withoutFifteen = retained.filter((link) => link.chain_seq !== 15);
    const withoutEleven = retained.slice(1);
    const truncated = retained.slice(0, 15);

    expect((await verifyStoredChain(expiredSource(withoutFifteen), { organizationId: 'org_a', publicKey: key.publicKey })).firstBreak).toMatchObject({ kind: 'missing', seq: 15 });
    expect((await verifyStoredChain(expiredSource(withoutEleven), { organizationId: 'org_a', publicKey: key.publicKey })).firstBreak).toMatchObject({ kind: 'missing', seq: 11 });
    expect((await verifyStoredChain(expiredSource(truncated), { organizationId: 'org_a', publicKey: key.publicKey })).firstBreak).toMatchObject({ kind: 'truncated', seq: 26 });
  });

  it('should refuse an altered or forged statement, and one signed by another key than the one given', async () => {
    const stretched = { ...statement, chainSeq: 12, chainHash: links[11].chain_hash };
    const forged = signExpiryStatement(otherKey, 'org_a', { seq: 12, hash: links[11].chain_hash }, JAN_1 + 13 * DAY_MS, new Date(JAN_1 + 14 * DAY_MS));
    const early = { ...statement, expiredAt: new Date(JAN_1 + 13 * DAY_MS).toISOString() };

    for (const bad of [stretched, forged, early]) {
      const report = await verifyStoredChain(expiredSource(links.slice(12), bad), { organizationId: 'org_a', publicKey: key.publicKey });
      expect(report).toMatchObject({ status: 'broken', checked: 0, firstBreak: { kind: 'expiry_invalid', seq: bad.chainSeq } });
    }
  });

  it('should use a statement it cannot authenticate without a public key, and say so', async () => {
    const report = await verifyStoredChain(expiredSource(retained), { organizationId: 'org_a' });

    expect(report).toMatchObject({ status: 'ok', firstSeq: 11, expiry: { signature: 'unverified' } });
  });

  it('should report a chain rebuilt after the statement: the link after it does not chain from its hash', async () => {
    const rebuilt = signExpiryStatement(key, 'org_a', { seq: 10, hash: 'ab'.repeat(32) }, JAN_1 + 11 * DAY_MS, new Date(JAN_1 + 12 * DAY_MS));

    const report = await verifyStoredChain(expiredSource(retained, rebuilt), { organizationId: 'org_a', publicKey: key.publicKey });

    expect(report.firstBreak).toMatchObject({ kind: 'expiry_mismatch', seq: 11, expected: 'ab'.repeat(32), found: links[9].chain_hash });
  });

  it('should start again after a statement signed while it ran, whose links the TTL removed meanwhile', async () => {
    const later = signExpiryStatement(key, 'org_a', { seq: 20, hash: links[19].chain_hash }, JAN_1 + 21 * DAY_MS, new Date(JAN_1 + 22 * DAY_MS));
    let reads = 0;
    // The first read sees the old statement; the rows are already those the newer one left.
    const source = expiredSource(links.slice(20), null, { newestExpiry: async () => (reads++ === 0 ? statement : later) });

    const report = await verifyStoredChain(source, { organizationId: 'org_a', publicKey: key.publicKey });

    expect(report).toMatchObject({ status: 'ok', firstSeq: 21, expiry: { chainSeq: 20 } });
  });

  it('should take the newer of the stored statement and one kept in the anchor file', async () => {
    const later = signExpiryStatement(key, 'org_a', { seq: 20, hash: links[19].chain_hash }, JAN_1 + 21 * DAY_MS, new Date(JAN_1 + 22 * DAY_MS));

    const report = await verifyStoredChain(expiredSource(links.slice(20)), { organizationId: 'org_a', publicKey: key.publicKey, externalExpiry: later });

    expect(report).toMatchObject({ status: 'ok', firstSeq: 21, expiry: { chainSeq: 20 } });
  });

  it('should check a window from the statement when the window begins in the expired links', async () => {
    const report = await verifyStoredChain(expiredSource(retained), { organizationId: 'org_a', publicKey: key.publicKey, from: links[0].occurred_at, to: links[14].occurred_at });

    expect(report).toMatchObject({ status: 'ok', firstSeq: 11, lastSeq: 15 });
  });
});
