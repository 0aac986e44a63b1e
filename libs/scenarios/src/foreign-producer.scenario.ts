// Foreign producers (issue 15, finding 3): a Java service (the Kafka Java client from the broker's
// jars) publishes with each codec, and on each codec's partition every kind of poison message
// (foreign-poison.ts) followed by valid events; beside them, on a partition of its own, as many
// valid events without poison. The ingestor runs with the production flush interval; the run checks
// each message's fate (valid → stored once; poison → dead-lettered or quarantined with its reason)
// and how long valid events took from the broker (LogAppendTime) to stored, behind the poison and
// on the clean partition at the same time.
import { DLQ_HEADERS, makeAuditEvent, serializeAuditEvent } from '@audit/contract';
import { startIngestApp } from '@audit/ingest/testing';
import { JavaProducerScript, createTestTopics, groupProgress, openTestClickHouse, readTopic, storedCounts, testBrokers, topicSize, uniqueName, waitFor, type ForeignRun } from '@audit/testing';
import { ConfigResourceTypes, type Kafka, type KafkaMessage } from 'kafkajs';
import { poisonKinds, type PoisonKind } from './foreign-poison';

export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
/** Codec lanes share three partitions; the fourth carries only valid events (the same-run baseline). */
const PARTITIONS = 4;
const CLEAN_PARTITION = 3;
/** The audit topic takes records up to 4 MiB (an operator's choice); its dead-letter topic keeps 1 MiB. */
const MAIN_TOPIC_MAX_BYTES = 4 * 1024 * 1024;

export interface ForeignProducerOptions {
  /** Rounds of: per codec, every poison kind, each followed by `validBehind` valid events (and as many on the clean partition). */
  rounds: number;
  validBehind: number;
}

export interface ForeignProducerFigure {
  scenario: 'foreign-producers';
  codecs: number;
  poisons: number;
  /** Valid events, behind poison and on the clean partition. */
  valid: number;
  stored: number;
  unique: number;
  deadLettered: number;
  quarantined: number;
  lost: number;
  duplicated: number;
  /** Poison dead-lettered with another reason or fate than its kind's, or not at all; stored rows that are no valid event. */
  misrouted: number;
  /** Broker append → stored, over the valid events behind poison. */
  freshnessP50Ms: number;
  freshnessP99Ms: number;
  /** The same over the clean partition's events, published at the same time. */
  cleanFreshnessP50Ms: number;
  cleanFreshnessP99Ms: number;
}

export interface ForeignProducerRun {
  figure: ForeignProducerFigure;
  /** What went wrong, one line each (empty when every message met its fate). */
  problems: string[];
}

/** What the Java service publishes, by send number. */
interface ForeignTraffic {
  script: JavaProducerScript;
  poisons: Map<number, PoisonKind>;
  behind: Map<number, string>;
  clean: Map<number, string>;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

function foreignTraffic(topic: string, { rounds, validBehind }: ForeignProducerOptions): ForeignTraffic {
  const traffic: ForeignTraffic = { script: new JavaProducerScript(), poisons: new Map(), behind: new Map(), clean: new Map() };
  const valid = (into: Map<number, string>, organization: string, partition: number) => {
    const event = makeAuditEvent({ organizationId: organization });
    into.set(traffic.script.send({ topic, partition, key: organization, value: serializeAuditEvent(event) }), event.id);
  };
  for (let round = 0; round < rounds; round++) {
    CODECS.forEach((codec, index) => {
      const partition = index % CLEAN_PARTITION;
      const organization = `org_${codec}`;
      traffic.script.open({ 'compression.type': codec, 'enable.idempotence': true, acks: 'all', 'linger.ms': 5, 'max.request.size': MAIN_TOPIC_MAX_BYTES });
      for (const poison of poisonKinds(organization)) {
        traffic.poisons.set(traffic.script.send({ topic, partition, key: poison.key, value: poison.value, headers: poison.headers }), poison);
        for (let count = 0; count < validBehind; count++) {
          valid(traffic.behind, organization, partition);
          valid(traffic.clean, 'org_clean', CLEAN_PARTITION);
        }
      }
      traffic.script.close();
    });
  }
  return traffic;
}

/** The poisons whose dead letter is missing or has another reason or fate than their kind's, one line each. */
function wrongFates(poisons: Map<number, PoisonKind>, run: ForeignRun, letters: Map<string, KafkaMessage>): { quarantined: number; wrong: string[] } {
  let quarantined = 0;
  const wrong: string[] = [];
  for (const [n, poison] of poisons) {
    const ack = run.acks[n];
    const letter = ack && letters.get(`${ack.partition}:${ack.offset}`);
    const fate = { reason: letter?.headers?.[DLQ_HEADERS.reason]?.toString(), quarantined: letter?.headers?.[DLQ_HEADERS.quarantined] !== undefined };
    if (fate.quarantined) quarantined += 1;
    if (fate.reason === poison.reason && fate.quarantined === (poison.quarantined ?? false)) continue;
    wrong.push(`poison "${poison.kind}" (send ${n}) expected ${poison.reason}${poison.quarantined ? ', quarantined' : ''}, got ${letter ? `${fate.reason}${fate.quarantined ? ', quarantined' : ''}` : 'no dead letter'}`);
  }
  return { quarantined, wrong };
}

export async function runForeignProducers(kafka: Kafka, options: ForeignProducerOptions): Promise<ForeignProducerRun> {
  const { topic, dlqTopic } = await createTestTopics(kafka, PARTITIONS);
  const admin = kafka.admin();
  await admin.connect();
  // The broker stamps each record (LogAppendTime, a setting some topics use): freshness is measured from it.
  const configEntries = [
    { name: 'message.timestamp.type', value: 'LogAppendTime' },
    { name: 'max.message.bytes', value: String(MAIN_TOPIC_MAX_BYTES) },
  ];
  await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries }] }).finally(() => admin.disconnect());

  const clickhouse = await openTestClickHouse();
  const groupId = uniqueName('reliability-foreign');
  try {
    // A 32 MiB buffer cap makes the consumer fetch at most 1 MiB per partition: the 2 MiB poison exceeds it.
    const ingestor = await startIngestApp(clickhouse.handle, clickhouse.database, { KAFKA_BROKERS: process.env.KAFKA_BROKERS, AUDIT_TOPIC: topic, AUDIT_DLQ_TOPIC: dlqTopic, INGEST_GROUP_ID: groupId, INGEST_MAX_BUFFERED_BYTES: String(32 * 1024 * 1024) });
    const traffic = foreignTraffic(topic, options);
    let run: ForeignRun;
    const problems: string[] = [];
    try {
      await waitFor(async () => (ingestor.transport.stats().assigned.length === PARTITIONS ? true : undefined), { what: 'the ingestor to own every partition', intervalMs: 20 });
      run = await traffic.script.run(testBrokers());
      problems.push(...run.failures.slice(0, 10).map((failure) => `send ${failure}`));
      await waitFor(
        async () => {
          const progress = await groupProgress(kafka, topic, groupId);
          return progress.committed >= progress.end ? true : undefined;
        },
        { what: 'every partition committed to its end', timeoutMs: Math.max(60_000, (traffic.behind.size + traffic.clean.size) * 10) },
      ).catch((error: Error) => problems.push(error.message));
    } finally {
      await ingestor.app.close();
    }

    const result = await clickhouse.handle.client.query({
      query: `SELECT toString(event_id) AS id, toUnixTimestamp64Milli(ingested_at) AS stored_at FROM ${clickhouse.database}.audit_events`,
      format: 'JSONEachRow',
    });
    const storedAt = new Map((await result.json<{ id: string; stored_at: string | number }>()).map(({ id, stored_at }) => [id, Number(stored_at)]));
    const counts = await storedCounts(clickhouse.handle, clickhouse.database);
    const freshness = (sent: Map<number, string>) =>
      [...sent].filter(([, id]) => storedAt.has(id)).map(([n, id]) => (storedAt.get(id) as number) - (run.acks[n]?.timestamp ?? Number.NaN)).sort((a, b) => a - b);
    const [behind, clean] = [freshness(traffic.behind), freshness(traffic.clean)];
    const validIds = new Set([...traffic.behind.values(), ...traffic.clean.values()]);
    const lost = [...validIds].filter((id) => !storedAt.has(id)).length;
    if (lost > 0) problems.push(`${lost} valid events not stored`);

    const onDlq = await topicSize(kafka, dlqTopic);
    const letters = onDlq === 0 ? [] : await readTopic(kafka, dlqTopic, { count: onDlq, timeoutMs: 60_000 });
    const byOrigin = new Map(letters.map(({ message }) => [`${message.headers?.[DLQ_HEADERS.partition]}:${message.headers?.[DLQ_HEADERS.offset]}`, message]));
    const { quarantined, wrong } = wrongFates(traffic.poisons, run, byOrigin);
    problems.push(...wrong.slice(0, 20));
    return {
      figure: {
        scenario: 'foreign-producers',
        codecs: CODECS.length,
        poisons: traffic.poisons.size,
        valid: validIds.size,
        stored: counts.rows,
        unique: counts.ids,
        deadLettered: byOrigin.size,
        quarantined,
        lost,
        duplicated: counts.rows - counts.ids,
        misrouted: wrong.length + [...storedAt.keys()].filter((id) => !validIds.has(id)).length,
        freshnessP50Ms: percentile(behind, 50),
        freshnessP99Ms: percentile(behind, 99),
        cleanFreshnessP50Ms: percentile(clean, 50),
        cleanFreshnessP99Ms: percentile(clean, 99),
      },
      problems,
    };
  } finally {
    await clickhouse.close();
  }
}
