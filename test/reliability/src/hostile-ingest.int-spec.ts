// Hostile input to the ingestor at CI scale (10,000 messages, half of them hostile); the bench
// (`npm run bench -- --only hostile-ingest`) runs more and compares the valid stream's throughput
// with and without the hostile mix. `RELIABILITY_SEED=<seed>` replays a corpus.
import { corpusCases, printFigure, runHostileIngest, runSeed } from '@audit/scenarios';
import { testKafka } from '@audit/testing';

const MESSAGES = Number(process.env.RELIABILITY_HOSTILE_MESSAGES ?? 10_000);

describe('hostile input to the ingestor', () => {
  it(`should store every valid event of ${MESSAGES} mixed messages once and dead-letter every hostile one with its reason`, async () => {
    const seed = runSeed();
    const run = await runHostileIngest(testKafka('reliability-hostile'), { seed, messages: MESSAGES, validShare: 0.5 });
    printFigure({ ...run.figure, deadLettersByReason: run.deadLettersByReason, cases: run.cases, validPerSecond: Math.round(run.validPerSecond) });
    expect(run.problems).toEqual([]);
    const { valid, produced } = run.figure;
    expect(run.figure).toEqual({ ...run.figure, stored: valid, unique: valid, deadLettered: produced - valid, lost: 0, duplicated: 0, misrouted: 0 });
    // Every case of the corpus generator appears at this size, and every reason but ClickHouse's own.
    expect(run.cases).toBe(corpusCases().length);
    expect(Object.keys(run.deadLettersByReason).sort()).toEqual(['contract', 'empty', 'not_json', 'not_utf8', 'too_large']);
  }, 180_000);
});
