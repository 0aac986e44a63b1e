// Foreign producers at bench scale (issue 15, finding 3): `npm run bench -- --only foreign-ingest`.
// A Java service (the Kafka Java client) publishes with each codec — none, gzip, snappy, lz4,
// zstd — every kind of poison message (test/reliability's foreign-poison.ts: not JSON, invalid
// UTF-8, empty, tombstone, contract, wrong and missing key, over the size limit, larger than the
// dead-letter topic takes, binary and null headers), each followed by FOREIGN_VALID_BEHIND valid
// events on the same partition, and as many on a partition without poison at the same time,
// FOREIGN_ROUNDS times. Reported: freshness (broker append → stored) of the valid events behind
// poison against p99 < 2 s and against the clean partition, and every message's fate.
import 'reflect-metadata';
import { testKafka } from '@audit/testing';
import { printFigure, runForeignProducers } from '@audit/scenarios';
import { benchRow, writeBenchResults } from './lib';

const ROUNDS = Number(process.env.FOREIGN_ROUNDS ?? 10);
const VALID_BEHIND = Number(process.env.FOREIGN_VALID_BEHIND ?? 200);
const log = (line: string) => console.log(`[foreign-ingest bench] ${line}`);

async function main(): Promise<void> {
  log(`${ROUNDS} rounds, ${VALID_BEHIND} valid events behind each poison`);
  const { figure, problems } = await runForeignProducers(testKafka('bench-foreign'), { rounds: ROUNDS, validBehind: VALID_BEHIND });
  printFigure(figure);
  problems.forEach((problem) => log(`PROBLEM: ${problem}`));
  const config = { rounds: ROUNDS, validBehind: VALID_BEHIND, ...figure };
  const clean = 'valid events on a partition without poison, at the same time';
  writeBenchResults('foreign-ingest', [
    benchRow({
      name: 'freshness p99 of valid events behind poison messages (broker append → stored)',
      value: figure.freshnessP99Ms,
      unit: 'ms',
      baseline: { name: clean, value: figure.cleanFreshnessP99Ms },
      target: { max: 2000 },
      config,
    }),
    benchRow({ name: 'freshness p50 of valid events behind poison messages', value: figure.freshnessP50Ms, unit: 'ms', baseline: { name: clean, value: figure.cleanFreshnessP50Ms }, config }),
    benchRow({
      name: 'valid events lost or duplicated, poison messages not dead-lettered or quarantined with their reason',
      value: figure.lost + figure.duplicated + figure.misrouted,
      unit: 'messages',
      target: { max: 0 },
      config,
    }),
  ]);
  if (problems.length) throw new Error(`${problems.length} problem(s) in the foreign-producer run`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
