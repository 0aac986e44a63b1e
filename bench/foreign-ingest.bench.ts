// Foreign producers at bench scale (issue 15, finding 3): `npm run bench -- --only foreign-ingest`.
// A Java service (the Kafka Java client) publishes with each codec — none, gzip, snappy, lz4,
// zstd — every kind of poison message (test/reliability's foreign-poison.ts: not JSON, invalid
// UTF-8, empty, tombstone, contract, wrong and missing key, over the size limit, larger than the
// dead-letter topic takes, binary and null headers), each followed by FOREIGN_VALID_BEHIND valid
// events on the same partition, FOREIGN_ROUNDS times; then the same valid events without the
// poison. Reported: freshness (broker append → stored) of the valid events against p99 < 2 s and
// against the run without poison, and every message's fate.
import 'reflect-metadata';
import { testKafka } from '@audit/testing';
import { printFigure } from '../test/reliability/src/lib/fault-figure';
import { runForeignProducers } from '../test/reliability/src/lib/foreign-producer.scenario';
import { benchRow, writeBenchResults } from './lib';

const ROUNDS = Number(process.env.FOREIGN_ROUNDS ?? 10);
const VALID_BEHIND = Number(process.env.FOREIGN_VALID_BEHIND ?? 200);
const log = (line: string) => console.log(`[foreign-ingest bench] ${line}`);

async function main(): Promise<void> {
  log(`${ROUNDS} rounds, ${VALID_BEHIND} valid events behind each poison`);
  const kafka = testKafka('bench-foreign');
  const poisoned = await runForeignProducers(kafka, { rounds: ROUNDS, validBehind: VALID_BEHIND });
  printFigure(poisoned.figure);
  const clean = await runForeignProducers(kafka, { rounds: ROUNDS, validBehind: VALID_BEHIND, withPoison: false, scenario: 'foreign-producers-without-poison' });
  printFigure(clean.figure);
  const problems = [...poisoned.problems, ...clean.problems];
  problems.forEach((problem) => log(`PROBLEM: ${problem}`));
  const config = { rounds: ROUNDS, validBehind: VALID_BEHIND, ...poisoned.figure };
  writeBenchResults('foreign-ingest', [
    benchRow({
      name: 'freshness p99 of valid events behind poison messages (broker append → stored)',
      value: poisoned.figure.freshnessP99Ms,
      unit: 'ms',
      baseline: { name: 'the same valid events without poison', value: clean.figure.freshnessP99Ms },
      target: { max: 2000 },
      config,
    }),
    benchRow({
      name: 'freshness p50 of valid events behind poison messages',
      value: poisoned.figure.freshnessP50Ms,
      unit: 'ms',
      baseline: { name: 'the same valid events without poison', value: clean.figure.freshnessP50Ms },
      config,
    }),
    benchRow({
      name: 'valid events lost or duplicated, poison messages not dead-lettered or quarantined with their reason',
      value: poisoned.figure.lost + poisoned.figure.duplicated + poisoned.figure.misrouted + clean.figure.lost + clean.figure.duplicated,
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
