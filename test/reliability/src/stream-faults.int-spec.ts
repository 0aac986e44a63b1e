// Stream fault runs at CI scale (issue 18); `npm run bench -- --only stream-faults` runs them at
// full scale. Each prints its figure line; `RELIABILITY_SEED=<seed>` replays a run's fault moments.
import { printFigure, runDeliveryKills, runReceiverDown, runReceiverErrors, runSeed, runSlowReceiver, type StreamFaultFigure } from '@audit/scenarios';

const EVENTS = Number(process.env.RELIABILITY_STREAM_EVENTS ?? 10_000);
/** Publishing is spread over this long, so every fault strikes while production goes on. */
const DURATION_MS = 10_000;

/** At least once, gap-free by sequence: every stored link received and covered; copies are counted, not failed. */
function expectEveryEventDelivered(figure: StreamFaultFigure): void {
  printFigure(figure);
  expect(figure).toEqual({ ...figure, produced: EVENTS, stored: EVENTS, unique: EVENTS, lost: 0, gaps: 0 });
  expect(figure.delivered).toBe(figure.unique + figure.duplicates);
}

describe('stream fault runs: every event delivered at least once, gap-free by sequence', () => {
  const seed = runSeed();

  it(`should deliver each of ${EVENTS} events when the receiver is down for 5 s`, async () => {
    expectEveryEventDelivered(await runReceiverDown({ seed, events: EVENTS, durationMs: DURATION_MS, downMs: 5_000 }));
  }, 300_000);

  it(`should deliver each of ${EVENTS} events when the receiver answers 500, then 429, for 6 s`, async () => {
    expectEveryEventDelivered(await runReceiverErrors({ seed, events: EVENTS, durationMs: DURATION_MS, errorMs: 6_000 }));
  }, 300_000);

  it(`should deliver each of ${EVENTS} events when the receiver takes 1 s per request for 5 s`, async () => {
    expectEveryEventDelivered(await runSlowReceiver({ seed, events: EVENTS, durationMs: DURATION_MS, slowMs: 5_000, delayMs: 1_000 }));
  }, 300_000);

  it(`should deliver each of ${EVENTS} events when the delivery process is killed with SIGKILL 5 times`, async () => {
    expectEveryEventDelivered(await runDeliveryKills({ seed, events: EVENTS, durationMs: DURATION_MS, kills: 5 }));
  }, 600_000);
});
