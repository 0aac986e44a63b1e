// Foreign producers at CI scale (issue 15, finding 3): a Java service publishes with each codec, a
// poison message of every kind followed by valid events on each codec's partition. The bench
// (`npm run bench -- --only foreign-ingest`) runs more rounds.
import { testKafka } from '@audit/testing';
import { CODECS, poisonKinds, printFigure, runForeignProducers } from '@audit/scenarios';

const VALID_BEHIND = Number(process.env.RELIABILITY_FOREIGN_VALID_BEHIND ?? 20);
/**
 * The freshness target is p99 < 2 s (publish → stored, production flush interval of 1 s); the bench
 * checks it on a quiet machine (quiet runs here: p99 1.2–1.5 s). A shared CI machine adds seconds of
 * CPU wait to every event alike, so here the events behind poison are held to the clean
 * partition's events of the same run: poison may cost them at most this much more at p99. A stalled
 * partition (a block retried with backoff up to 30 s, a consumer restarted in a loop) is far beyond.
 */
const POISON_COST_P99_MS = Number(process.env.RELIABILITY_POISON_COST_MS ?? 1000);

describe('foreign producers: every codec, every kind of poison', () => {
  it(`should dead-letter or quarantine each poison under each codec and store the ${VALID_BEHIND} valid events behind each at most ${POISON_COST_P99_MS} ms (p99) later than events without poison`, async () => {
    const { figure, problems } = await runForeignProducers(testKafka('reliability-foreign'), { rounds: 1, validBehind: VALID_BEHIND });
    printFigure(figure);
    expect(problems).toEqual([]);
    const poisons = CODECS.length * poisonKinds('org').length;
    const valid = 2 * poisons * VALID_BEHIND;
    expect(figure).toEqual({ ...figure, poisons, valid, stored: valid, unique: valid, deadLettered: poisons, quarantined: CODECS.length, lost: 0, duplicated: 0, misrouted: 0 });
    expect(figure.freshnessP99Ms).toBeLessThan(figure.cleanFreshnessP99Ms + POISON_COST_P99_MS);
  }, 240_000);
});
