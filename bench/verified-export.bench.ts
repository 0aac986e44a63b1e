// What a verified export costs, in the same run, over one organization's chain of
// VERIFIED_EXPORT_BENCH_EVENTS events (default 200,000) stored as the ingester does:
// 1. the verified export's body and manifest (rows in chain order + canonical lines + signed
//    manifest) against the plain NDJSON export of the same rows (storage order, API shape, lines
//    written by ClickHouse), both read through the repository in batches of 50,000 and hashed as
//    the HTTP writer does (best of 3 alternating rounds);
// 2. the auditor's offline check (`node scripts/verify-export.mjs`) of that file, per row.
import { AuditChainHeadsReader, AuditEventsReadRepository, AuditExpiryRepository } from '@audit/clickhouse';
import { publicKeyPem } from '@audit/integrity';
import { encodeBatches, VerifiedExportEncoder, type ExportBatch } from '@audit/query';
import { chainEvents, openTestClickHouse, runExportVerifier, storeChain, testSigningKey } from '@audit/testing';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchRow, writeBenchResults } from './lib';

const EVENTS = Number(process.env.VERIFIED_EXPORT_BENCH_EVENTS ?? 200_000);
const BATCH_ROWS = 50_000;
const ROUNDS = 3;
const ORGANIZATION = 'org_verified_export_bench';

interface Encoded {
  seconds: number;
  rows: number;
  text: string;
}

/**
 * Reads every batch and hashes its text as `writeExport` does, then the footer (a verified export's
 * manifest); keeps the text for the offline check.
 */
async function hashAll(batches: AsyncIterable<ExportBatch>, footer?: (sha256: string) => Promise<string>): Promise<Encoded> {
  const started = performance.now();
  const hash = createHash('sha256');
  const parts: Buffer[] = [];
  let rows = 0;
  for await (const batch of batches) {
    rows += batch.rows;
    const bytes = typeof batch.text === 'string' ? Buffer.from(batch.text) : Buffer.from(batch.text.buffer, batch.text.byteOffset, batch.text.byteLength);
    hash.update(bytes);
    parts.push(bytes);
  }
  if (footer) parts.push(Buffer.from(await footer(hash.copy().digest('hex'))));
  return { seconds: (performance.now() - started) / 1000, rows, text: Buffer.concat(parts).toString('utf8') };
}

async function main(): Promise<void> {
  const clickhouse = await openTestClickHouse();
  const dir = mkdtempSync(join(tmpdir(), 'verified-export-bench-'));
  try {
    const { key } = testSigningKey();
    const end = Date.now() - 60_000;
    await storeChain(clickhouse.handle, clickhouse.database, chainEvents(ORGANIZATION, EVENTS, end));
    const events = new AuditEventsReadRepository(clickhouse.handle.client, clickhouse.database, { maxExecutionTimeSeconds: 60, maxMemoryUsageBytes: 2_000_000_000, maxResultRows: BATCH_ROWS });
    const scope = { organizationId: ORGANIZATION };
    const filter = { from: new Date(end - EVENTS * 1000 - 60_000).toISOString(), to: new Date().toISOString() };

    const heads = new AuditChainHeadsReader(clickhouse.handle.client, clickhouse.database);
    const expiries = new AuditExpiryRepository(clickhouse.handle.client, clickhouse.database);
    // Best of ROUNDS, alternating: the first read of a column pays for cold caches, whichever export goes first.
    let plain: Encoded | undefined;
    let verified: Encoded | undefined;
    for (let round = 0; round < ROUNDS; round++) {
      // The plain export as the API sends it: NDJSON text ClickHouse wrote, passed through.
      const plainRun = await hashAll(events.streamNdjson(scope, filter, BATCH_ROWS));
      const encoder = new VerifiedExportEncoder(key, heads, expiries, scope, filter);
      const verifiedRun = await hashAll(encodeBatches(events.streamChained(scope, filter, BATCH_ROWS), encoder), (sha256) => encoder.footer({ sha256 }));
      if (!plain || plainRun.seconds < plain.seconds) plain = plainRun;
      if (!verified || verifiedRun.seconds < verified.seconds) verified = verifiedRun;
    }
    if (!plain || !verified) throw new Error('no round ran');
    if (plain.rows !== EVENTS || verified.rows !== EVENTS) throw new Error(`exported ${plain.rows} / ${verified.rows} rows, expected ${EVENTS}`);

    const file = join(dir, 'export.ndjson');
    const publicKey = join(dir, 'audit-public.pem');
    writeFileSync(file, verified.text);
    writeFileSync(publicKey, publicKeyPem(key));
    const started = performance.now();
    const run = await runExportVerifier(file, publicKey);
    const offlineSeconds = (performance.now() - started) / 1000;
    if (run.code !== 0) throw new Error(`the offline check failed:\n${run.stdout}${run.stderr}`);

    const config = { events: EVENTS, batchRows: BATCH_ROWS, rounds: ROUNDS, engine: clickhouse.handle.mode, bytes: Buffer.byteLength(verified.text), plainBytes: Buffer.byteLength(plain.text), node: process.version };
    writeBenchResults('verified-export', [
      benchRow({
        name: 'verified NDJSON export (chain order, canonical lines, signed manifest)',
        value: EVENTS / verified.seconds,
        unit: 'rows/s',
        baseline: { name: 'plain NDJSON export of the same rows', value: EVENTS / plain.seconds },
        target: { minRatio: 0.7 },
        config,
      }),
      benchRow({ name: 'offline check: node scripts/verify-export.mjs (signature, body hash, every link)', value: EVENTS / offlineSeconds, unit: 'rows/s', target: { min: 50_000 }, config }),
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await clickhouse.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
