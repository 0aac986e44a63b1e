// Fault runs at full scale (issue #9): `npm run bench -- --only faults`. The same scenarios as
// test/reliability/src/faults.int-spec.ts (which runs them at CI scale in `npm test`):
// - the ingestor process killed with SIGKILL at FAULTS_KILLS seeded moments of a FAULTS_KILL_EVENTS run;
// - the broker (a private one) restarted twice during production;
// - ClickHouse unavailable (table detached) for FAULTS_OUTAGE_MS during ingestion;
// - the consumer group growing from 1 to 3 ingestors and back;
// - failover (issue #15): in a three-node cluster (replication factor 3, min.insync.replicas 2),
//   the leader of a partition in use killed with SIGKILL three times, each restarted after a while.
// Each prints its figure line; RELIABILITY_SEED replays a run. Expected everywhere: lost 0, duplicated 0.
import 'reflect-metadata';
import { printFigure, runBrokerRestarts, runClickHouseOutage, runConsumerGroupScaling, runIngestorKills, runLeaderFailover, runSeed, type FaultFigure } from '@audit/scenarios';
import { benchRow, writeBenchResults, type BenchRow } from './lib';

const KILL_EVENTS = Number(process.env.FAULTS_KILL_EVENTS ?? 1_000_000);
const KILLS = Number(process.env.FAULTS_KILLS ?? 20);
const EVENTS = Number(process.env.FAULTS_EVENTS ?? 200_000);
const OUTAGE_MS = Number(process.env.FAULTS_OUTAGE_MS ?? 60_000);
/** Publishing pace: faults strike while production goes on. */
const EVENTS_PER_SECOND = Number(process.env.FAULTS_PRODUCE_RATE ?? 10_000);
const LEADER_KILLS = 3;
const SCENARIOS = (process.env.FAULTS_SCENARIOS ?? 'kill,broker,outage,group,failover').split(',');
const log = (line: string) => console.log(`[faults bench] ${line}`);

async function main(): Promise<void> {
  // Private brokers take ports above TEST_KAFKA_PORT (libs/testing): keep them off the test brokers' ports.
  process.env.TEST_KAFKA_PORT ??= '39100';
  const seed = runSeed();
  log(`seed ${seed} (RELIABILITY_SEED=${seed} replays this run)`);
  const durationMs = (events: number) => (events / EVENTS_PER_SECOND) * 1000;
  const runs: Record<string, () => Promise<FaultFigure>> = {
    kill: () => runIngestorKills({ seed, events: KILL_EVENTS, durationMs: durationMs(KILL_EVENTS), kills: KILLS, build: false, log }),
    broker: () => runBrokerRestarts({ seed, events: EVENTS, durationMs: durationMs(EVENTS), restarts: 2, log }),
    outage: () => runClickHouseOutage({ seed, events: EVENTS, durationMs: durationMs(EVENTS), outageMs: OUTAGE_MS, log }),
    group: () => runConsumerGroupScaling({ seed, events: EVENTS, durationMs: durationMs(EVENTS), log }),
    failover: () => runLeaderFailover({ seed, events: EVENTS, durationMs: durationMs(EVENTS), kills: LEADER_KILLS, build: false, log }),
  };
  const rows: BenchRow[] = [];
  let failed = 0;
  for (const name of SCENARIOS) {
    const run = runs[name];
    if (!run) throw new Error(`unknown scenario "${name}" in FAULTS_SCENARIOS (known: ${Object.keys(runs).join(', ')})`);
    log(`${name}: starting`);
    const started = Date.now();
    const figure = await run();
    const seconds = (Date.now() - started) / 1000;
    printFigure(figure);
    if (figure.lost !== 0 || figure.duplicated !== 0 || figure.produced !== figure.unique) failed += 1;
    const config = { ...figure, seconds: Math.round(seconds), ...(name === 'kill' ? { kills: KILLS } : {}), ...(name === 'outage' ? { outageMs: OUTAGE_MS } : {}), ...(name === 'failover' ? { leaderKills: LEADER_KILLS } : {}) };
    rows.push(
      benchRow({ name: `${figure.scenario}: events lost`, value: figure.lost, unit: 'events', target: { max: 0 }, config }),
      benchRow({ name: `${figure.scenario}: rows duplicated`, value: figure.duplicated, unit: 'rows', target: { max: 0 }, config }),
    );
  }
  writeBenchResults('faults', rows);
  if (failed) throw new Error(`${failed} fault run(s) lost or duplicated events`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
