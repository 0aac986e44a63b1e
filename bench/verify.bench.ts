// What verifying an organization's hash chain costs, in the same run:
// 1. `verifyStoredChain` over one organization's whole chain (read in chain_seq order, recompute
//    every link, compare with the checkpoint) against reading the same rows alone (the repository's
//    stream, no hashing): how much the recomputation adds to the read;
// 2. the recomputation alone (canonical JSON + SHA-256) per link.
// VERIFY_BENCH_EVENTS (default 200,000) events of one organization, stored as the ingester does.
import { AuditChainRepository } from '@audit/clickhouse';
import { canonicalEventJson, linkHash, signCheckpoint, verifyStoredChain, type StoredLink } from '@audit/integrity';
import { chainEvents, openTestClickHouse, storeChain, testSigningKey } from '@audit/testing';
import { benchRow, writeBenchResults } from './lib';

const EVENTS = Number(process.env.VERIFY_BENCH_EVENTS ?? 200_000);
const ORGANIZATION = 'org_verify_bench';

async function main(): Promise<void> {
  const clickhouse = await openTestClickHouse();
  try {
    const signing = testSigningKey();
    const chains = new AuditChainRepository(clickhouse.handle.client, clickhouse.database);
    const chain = await storeChain(clickhouse.handle, clickhouse.database, chainEvents(ORGANIZATION, EVENTS));
    await chains.insertCheckpoints([signCheckpoint(signing.key, ORGANIZATION, chain.head)]);

    let started = performance.now();
    const read: StoredLink[] = [];
    for await (const batch of chains.streamLinks(ORGANIZATION, 1, EVENTS)) for (const link of batch) read.push(link);
    const readSeconds = (performance.now() - started) / 1000;

    started = performance.now();
    const report = await verifyStoredChain(chains, { organizationId: ORGANIZATION, publicKey: signing.key.publicKey });
    const verifySeconds = (performance.now() - started) / 1000;
    if (report.status !== 'ok' || report.checked !== EVENTS || read.length !== EVENTS) throw new Error(`unexpected: ${JSON.stringify(report)}, read ${read.length}`);

    started = performance.now();
    for (const link of read) linkHash(link.chain_prev_hash, canonicalEventJson(link, link.chain_seq));
    const hashMicros = ((performance.now() - started) * 1000) / read.length;

    const config = { events: EVENTS, batchRows: 20_000, engine: clickhouse.handle.mode, node: process.version };
    writeBenchResults('verify', [
      benchRow({
        name: 'verify a whole chain (read + recompute + checkpoint)',
        value: EVENTS / verifySeconds,
        unit: 'links/s',
        baseline: { name: 'read the same rows in chain order, no hashing', value: EVENTS / readSeconds },
        target: { minRatio: 0.5 },
        config,
      }),
      benchRow({ name: 'recompute one link (canonical JSON + SHA-256)', value: hashMicros, unit: 'µs/link', target: { max: 20 }, config }),
    ]);
  } finally {
    await clickhouse.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
