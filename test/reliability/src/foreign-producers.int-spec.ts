// Foreign producers at CI scale (issue 15, finding 3): a Java service publishes with each codec, a
// poison message of every kind followed by valid events on each codec's partition. The bench
// (`npm run bench -- --only foreign-ingest`) runs more rounds.
import { testKafka } from '@audit/testing';
import { printFigure } from './lib/fault-figure';
import { CODECS, runForeignProducers } from './lib/foreign-producer.scenario';
import { poisonKinds } from './lib/foreign-poison';

const VALID_BEHIND = Number(process.env.RELIABILITY_FOREIGN_VALID_BEHIND ?? 20);
/**
 * The freshness target is p99 < 2 s (publish → stored, production flush interval of 1 s), which the
 * bench measures on a quiet machine (quiet runs here: 1.2–1.5 s). A shared CI machine adds seconds of
 * CPU wait, so this bound is looser — still far below what a stalled partition shows (a block
 * retried with backoff up to 30 s, a consumer restarted in a loop: never stored).
 */
const FRESHNESS_P99_BOUND_MS = Number(process.env.RELIABILITY_FRESHNESS_BOUND_MS ?? 5000);

describe('foreign producers: every codec, every kind of poison', () => {
  it(`should dead-letter or quarantine each poison under each codec and store the ${VALID_BEHIND} valid events behind each within ${FRESHNESS_P99_BOUND_MS} ms (p99)`, async () => {
    const { figure, problems } = await runForeignProducers(testKafka('reliability-foreign'), { rounds: 1, validBehind: VALID_BEHIND });
    printFigure(figure);
    expect(problems).toEqual([]);
    const poisons = CODECS.length * poisonKinds('org').length;
    const valid = poisons * VALID_BEHIND;
    expect(figure).toEqual({ ...figure, poisons, valid, stored: valid, unique: valid, deadLettered: poisons, quarantined: CODECS.length, lost: 0, duplicated: 0, misrouted: 0 });
    expect(figure.freshnessP99Ms).toBeLessThan(FRESHNESS_P99_BOUND_MS);
  }, 240_000);
});
