// Fault runs at CI scale (issue #9); `npm run bench -- --only faults` runs them at full scale.
// Each prints its figure line; `RELIABILITY_SEED=<seed>` replays a run's fault moments.
import { printFigure, runBrokerRestarts, runClickHouseOutage, runConsumerGroupScaling, runIngestorKills, runSeed, type FaultFigure } from '@audit/scenarios';

const EVENTS = Number(process.env.RELIABILITY_EVENTS ?? 20_000);
/** Publishing is spread over this long, so every fault strikes while production goes on. */
const DURATION_MS = 10_000;

function expectNothingLostOrDoubled(figure: FaultFigure): void {
  printFigure(figure);
  expect(figure).toEqual({ ...figure, produced: EVENTS, onTopic: EVENTS, stored: EVENTS, unique: EVENTS, deadLettered: 0, lost: 0, duplicated: 0 });
}

describe('fault runs: nothing lost, nothing duplicated', () => {
  const seed = runSeed();

  it(`should store each of ${EVENTS} events exactly once when the ingestor process is killed with SIGKILL at 3 seeded moments`, async () => {
    expectNothingLostOrDoubled(await runIngestorKills({ seed, events: EVENTS, durationMs: DURATION_MS, kills: 3 }));
  }, 300_000);

  it(`should store each of ${EVENTS} events exactly once when the broker is restarted twice during production`, async () => {
    expectNothingLostOrDoubled(await runBrokerRestarts({ seed, events: EVENTS, durationMs: DURATION_MS, restarts: 2 }));
  }, 300_000);

  it(`should store each of ${EVENTS} events exactly once when ClickHouse is unavailable for 5 s during ingestion`, async () => {
    expectNothingLostOrDoubled(await runClickHouseOutage({ seed, events: EVENTS, durationMs: DURATION_MS, outageMs: 5_000 }));
  }, 300_000);

  it(`should store each of ${EVENTS} events exactly once while the consumer group grows from 1 to 3 ingestors and back`, async () => {
    expectNothingLostOrDoubled(await runConsumerGroupScaling({ seed, events: EVENTS, durationMs: DURATION_MS }));
  }, 300_000);
});
