// Broker failover at CI scale (issue #15, finding 8); `FAULTS_SCENARIOS=failover npm run bench --
// --only faults` runs it at full scale. Prints its figure line; `RELIABILITY_SEED=<seed>` replays it.
import { printFigure, runLeaderFailover, runSeed } from '@audit/scenarios';

const EVENTS = Number(process.env.RELIABILITY_EVENTS ?? 20_000);
/** Publishing is spread over this long (it waits at a kill point while a node still rejoins). */
const DURATION_MS = 30_000;

describe('broker failover: nothing lost, nothing duplicated', () => {
  it(`should store each of ${EVENTS} events exactly once when the leader of a partition in use is killed with SIGKILL 3 times in a three-node cluster`, async () => {
    const figure = await runLeaderFailover({ seed: runSeed(), events: EVENTS, durationMs: DURATION_MS, kills: 3, log: (line) => process.stdout.write(`${line}\n`) });
    printFigure(figure);
    expect(figure).toEqual({ ...figure, produced: EVENTS, onTopic: EVENTS, stored: EVENTS, unique: EVENTS, deadLettered: 0, lost: 0, duplicated: 0 });
  }, 300_000);
});
