// Broker failover (issue #15, finding 8). A three-node cluster (replication factor 3,
// min.insync.replicas 2, internal topics alike) while producers publish and the standalone
// ingestor consumes: the leader of a partition in use is killed with SIGKILL, restarted after a
// seeded while, and again, `kills` times. Acknowledged events are on two nodes at least, so none
// may be lost; the idempotent producer and the deduplication token must keep every one single.
import { createKafka } from '@audit/kafka';
import { createTestTopics, groupProgress, startPrivateCluster, storedCounts, topicSize, uniqueName, waitFor } from '@audit/testing';
import type { Admin, Kafka } from 'kafkajs';
import { faultFigure, type FaultFigure } from './fault-figure';
import { describeDuplicates, ingestEnv, PARTITIONS, sleep, untilDrained, untilProduced, type FaultRunOptions } from './fault.scenarios';
import { SeededRandom } from './seeded-random';
import { StandaloneIngestor } from './standalone-ingestor';
import { startTraffic } from './steady-traffic';

/** The node that leads `partition` now, from the cluster's metadata. */
async function leaderOf(admin: Admin, topic: string, partition: number): Promise<number> {
  return waitFor(
    async () => {
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
      const leader = metadata?.topics[0].partitions.find(({ partitionId }) => partitionId === partition)?.leader;
      return leader !== undefined && leader >= 0 ? leader : undefined;
    },
    { what: `a leader for ${topic}[${partition}]` },
  );
}

/**
 * The node that coordinates `groupId` (leads its partition of `__consumer_offsets`, chosen as
 * Kafka does: Java's String.hashCode, sign bit cleared, modulo the topic's 10 partitions): a kill
 * of that node also moves the group's coordinator.
 */
async function coordinatorOf(admin: Admin, groupId: string): Promise<number> {
  let hash = 0;
  for (const char of groupId) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  return leaderOf(admin, '__consumer_offsets', (hash & 0x7fffffff) % 10);
}

/**
 * A partition in use, seeded, and its leader: events are published to it (the run's few
 * organizations, the keys, leave some partitions empty) and the ingestor has committed some.
 */
async function leaderInUse(kafka: Kafka, admin: Admin, topic: string, groupId: string, random: SeededRandom, ingestor: StandaloneIngestor) {
  const inUse = await waitFor(
    async () => {
      ingestor.checkAlive();
      const progress = await groupProgress(kafka, topic, groupId).catch(() => undefined);
      const consumed = progress?.partitions.filter(({ committed }) => committed > 0) ?? [];
      return consumed.length > 0 ? consumed : undefined;
    },
    { what: 'the ingestor to commit', timeoutMs: 120_000 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}\ningestor:\n${ingestor.lastOutput().join('\n')}`);
  });
  const { partition, committed } = random.pick(inUse);
  return { partition, committed, leader: await leaderOf(admin, topic, partition), coordinator: await coordinatorOf(admin, groupId) };
}

export async function runLeaderFailover(options: FaultRunOptions & { kills: number; build?: boolean }): Promise<FaultFigure> {
  const random = new SeededRandom(options.seed);
  const cluster = await startPrivateCluster();
  const kafka = createKafka({ brokers: cluster.brokers, clientId: 'reliability-failover' });
  const admin = kafka.admin();
  let ingestor: StandaloneIngestor | undefined;
  try {
    await admin.connect();
    const { topic, dlqTopic } = await createTestTopics(kafka, PARTITIONS);
    const [created] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    const underReplicated = created.partitions.filter(({ replicas }) => replicas.length !== cluster.brokers.length);
    if (underReplicated.length > 0) throw new Error(`${topic} has partitions with fewer than ${cluster.brokers.length} replicas: ${JSON.stringify(underReplicated)}`);
    const groupId = uniqueName('reliability-failover');
    ingestor = new StandaloneIngestor(ingestEnv(topic, dlqTopic, groupId, cluster.brokers, options.events), { build: options.build });
    const running = ingestor;
    running.start();
    const traffic = startTraffic({ brokers: cluster.brokers, topic, events: options.events, durationMs: options.durationMs });
    // The node killed last rejoins while publishing goes on towards the next kill point.
    let rejoined: Promise<void> = Promise.resolve();
    for (const [index, point] of random.points(options.kills, 0.1, 0.7).entries()) {
      await untilProduced(traffic, Math.floor(point * options.events));
      // On a slow machine the last node may still be rejoining: publishing waits at the kill point
      // meanwhile, so that the rest of the run is left for this kill and the next, and each
      // strikes mid-production.
      const { leader, partition, committed, coordinator } = await traffic.holding(async () => {
        await rejoined;
        await cluster.untilInSync();
        return leaderInUse(kafka, admin, topic, groupId, random, running);
      });
      await cluster.kill(leader);
      const role = `leader of partition ${partition}${leader === coordinator ? ' and the group coordinator' : ''}`;
      options.log?.(`kill ${index + 1}/${options.kills}: node ${leader}, ${role} (committed there: ${committed}), at ${traffic.produced()} produced`);
      const downMs = random.int(1_000, 5_000);
      rejoined = sleep(downMs)
        .then(() => cluster.start(leader))
        .then(() => options.log?.(`node ${leader} restarted after ${downMs} ms down (plus its start), at ${traffic.produced()} produced`));
      // Awaited at the next kill or after the loop; marked handled so that a failed start waits for that.
      rejoined.catch(() => undefined);
    }
    await rejoined;
    const produced = await untilDrained(kafka, topic, groupId, traffic, options.events, { check: () => running.checkAlive(), explain: () => running.lastOutput() });
    const counts = await running.readStored(async (clickhouse) => {
      await describeDuplicates(clickhouse, options.log);
      return storedCounts(clickhouse.handle, clickhouse.database);
    });
    return faultFigure('leader-failover', options.seed, produced, await topicSize(kafka, topic), counts, await topicSize(kafka, dlqTopic));
  } finally {
    await ingestor?.dispose();
    await admin.disconnect();
    await cluster.destroy();
  }
}
