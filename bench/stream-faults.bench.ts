// Stream fault runs at full scale (issue 18): `npm run bench -- --only stream-faults`. The same
// scenarios as test/reliability/src/stream-faults.int-spec.ts (CI scale in `npm test`):
// - the webhook receiver down for STREAM_FAULTS_DOWN_MS (60 s);
// - the receiver answering 500, then 429 with Retry-After, for STREAM_FAULTS_ERROR_MS;
// - the receiver taking STREAM_FAULTS_DELAY_MS per request for STREAM_FAULTS_SLOW_MS;
// - the delivery process killed with SIGKILL STREAM_FAULTS_KILLS (5) times during STREAM_FAULTS_KILL_EVENTS (100k).
// Each prints its figure line; RELIABILITY_SEED replays a run. Expected: lost 0, gaps 0 (copies are counted).
import 'reflect-metadata';
import { printFigure, runDeliveryKills, runReceiverDown, runReceiverErrors, runSeed, runSlowReceiver, type StreamFaultFigure } from '@audit/scenarios';
import { benchRow, writeBenchResults, type BenchRow } from './lib';

const EVENTS = Number(process.env.STREAM_FAULTS_EVENTS ?? 100_000);
const KILL_EVENTS = Number(process.env.STREAM_FAULTS_KILL_EVENTS ?? 100_000);
const KILLS = Number(process.env.STREAM_FAULTS_KILLS ?? 5);
const DOWN_MS = Number(process.env.STREAM_FAULTS_DOWN_MS ?? 60_000);
const ERROR_MS = Number(process.env.STREAM_FAULTS_ERROR_MS ?? 30_000);
const SLOW_MS = Number(process.env.STREAM_FAULTS_SLOW_MS ?? 30_000);
const DELAY_MS = Number(process.env.STREAM_FAULTS_DELAY_MS ?? 2_000);
/** Publishing pace: faults strike while production goes on. */
const EVENTS_PER_SECOND = Number(process.env.STREAM_FAULTS_PRODUCE_RATE ?? 2_000);
const SCENARIOS = (process.env.STREAM_FAULTS_SCENARIOS ?? 'down,errors,slow,kill').split(',');
const log = (line: string) => console.log(`[stream-faults bench] ${line}`);

async function main(): Promise<void> {
  const seed = runSeed();
  log(`seed ${seed} (RELIABILITY_SEED=${seed} replays this run)`);
  const durationMs = (events: number) => (events / EVENTS_PER_SECOND) * 1000;
  const runs: Record<string, () => Promise<StreamFaultFigure>> = {
    down: () => runReceiverDown({ seed, events: EVENTS, durationMs: durationMs(EVENTS), downMs: DOWN_MS, log }),
    errors: () => runReceiverErrors({ seed, events: EVENTS, durationMs: durationMs(EVENTS), errorMs: ERROR_MS, log }),
    slow: () => runSlowReceiver({ seed, events: EVENTS, durationMs: durationMs(EVENTS), slowMs: SLOW_MS, delayMs: DELAY_MS, log }),
    kill: () => runDeliveryKills({ seed, events: KILL_EVENTS, durationMs: durationMs(KILL_EVENTS), kills: KILLS, build: false, log }),
  };
  const rows: BenchRow[] = [];
  let failed = 0;
  for (const name of SCENARIOS) {
    const run = runs[name];
    if (!run) throw new Error(`unknown scenario "${name}" in STREAM_FAULTS_SCENARIOS (known: ${Object.keys(runs).join(', ')})`);
    log(`${name}: starting`);
    const started = Date.now();
    const figure = await run();
    printFigure(figure);
    if (figure.lost !== 0 || figure.gaps !== 0 || figure.unique !== figure.stored) failed += 1;
    const config = { ...figure, seconds: Math.round((Date.now() - started) / 1000), eventsPerSecond: EVENTS_PER_SECOND };
    rows.push(
      benchRow({ name: `${figure.scenario}: events lost`, value: figure.lost, unit: 'events', target: { max: 0 }, config }),
      benchRow({ name: `${figure.scenario}: sequence gaps at the receiver`, value: figure.gaps, unit: 'events', target: { max: 0 }, config }),
      benchRow({ name: `${figure.scenario}: copies delivered (at least once)`, value: figure.duplicates, unit: 'events', config }),
    );
  }
  writeBenchResults('stream-faults', rows);
  if (failed) throw new Error(`${failed} stream fault run(s) lost events or left gaps`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
