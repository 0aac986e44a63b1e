// Hostile input to the ingestor at bench scale (issue #9): `npm run bench -- --only hostile-ingest`.
// A seeded corpus of HOSTILE_MESSAGES messages, half of them hostile (test/reliability's corpus:
// invalid JSON and UTF-8, wrong types, missing and extra fields, oversize fields and messages,
// control characters, CR/LF injection, huge numbers, deep nesting, wrong schema versions), then
// the same number of valid events alone: the valid stream's throughput with the mix is compared
// with its throughput without it, in the same run. RELIABILITY_SEED replays a corpus.
import 'reflect-metadata';
import { testKafka } from '@audit/testing';
import { printFigure, runHostileIngest, runSeed } from '@audit/scenarios';
import { benchRow, writeBenchResults } from './lib';

const MESSAGES = Number(process.env.HOSTILE_MESSAGES ?? 100_000);
const log = (line: string) => console.log(`[hostile-ingest bench] ${line}`);

async function main(): Promise<void> {
  const seed = runSeed();
  log(`seed ${seed}; ${MESSAGES} messages, half hostile`);
  const kafka = testKafka('bench-hostile');
  const mixed = await runHostileIngest(kafka, { seed, messages: MESSAGES, validShare: 0.5 });
  printFigure({ ...mixed.figure, deadLettersByReason: mixed.deadLettersByReason, cases: mixed.cases, validPerSecond: Math.round(mixed.validPerSecond), megabytesPerSecond: Math.round(mixed.bytesPerSecond / 1e5) / 10 });
  const alone = await runHostileIngest(kafka, { seed, messages: mixed.figure.valid, validShare: 1, scenario: 'valid-only' });
  printFigure({ ...alone.figure, validPerSecond: Math.round(alone.validPerSecond), megabytesPerSecond: Math.round(alone.bytesPerSecond / 1e5) / 10 });
  const problems = [...mixed.problems, ...alone.problems];
  problems.forEach((problem) => log(`PROBLEM: ${problem}`));
  const config = { seed, messages: MESSAGES, valid: mixed.figure.valid, hostile: MESSAGES - mixed.figure.valid, cases: mixed.cases, deadLettersByReason: mixed.deadLettersByReason };
  writeBenchResults('hostile-ingest', [
    benchRow({
      name: 'valid events stored per second, mixed with as many hostile messages',
      value: mixed.validPerSecond,
      unit: 'events/s',
      baseline: { name: 'the same number of valid events alone', value: alone.validPerSecond },
      target: { minRatio: 0.5 },
      config,
    }),
    benchRow({
      name: 'message bytes consumed per second, mixed',
      value: mixed.bytesPerSecond / 1e6,
      unit: 'MB/s',
      baseline: { name: 'valid events alone', value: alone.bytesPerSecond / 1e6 },
      config,
    }),
    benchRow({ name: 'valid events lost or duplicated, hostile messages not dead-lettered with their reason', value: mixed.figure.lost + mixed.figure.duplicated + mixed.figure.misrouted, unit: 'messages', target: { max: 0 }, config: { ...config, ...mixed.figure } }),
  ]);
  if (problems.length) throw new Error(`${problems.length} problem(s) in the hostile-input run`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
