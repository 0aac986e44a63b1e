// Foreign producers (issue 15, finding 3): a Java service (the Kafka Java client from the broker's
// jars) publishes with each codec, and on each codec's partition every kind of poison message
// (foreign-poison.ts) followed by valid events. The ingestor runs with the production flush
// interval; the run checks each message's fate (valid → stored once; poison → dead-lettered or
// quarantined with its reason) and how long the valid events behind the poison took from the
// broker (LogAppendTime) to stored.
import { DLQ_HEADERS, makeAuditEvent, serializeAuditEvent } from '@audit/contract';
import { startIngestApp } from '@audit/ingest/testing';
import { JavaProducerScript, createTestTopics, groupProgress, openTestClickHouse, readTopic, testBrokers, topicSize, uniqueName, waitFor } from '@audit/testing';
import { ConfigResourceTypes, type Kafka } from 'kafkajs';
import { poisonKinds, type PoisonKind } from './foreign-poison';

export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const PARTITIONS = 3;
/** The audit topic takes records up to 4 MiB (an operator's choice); its dead-letter topic keeps 1 MiB. */
const MAIN_TOPIC_MAX_BYTES = 4 * 1024 * 1024;

export interface ForeignProducerOptions {
  /** Rounds of: per codec, every poison kind, each followed by `validBehind` valid events. */
  rounds: number;
  validBehind: number;
  /** False: the same valid events without the poison (the bench's baseline). Default true. */
  withPoison?: boolean;
  scenario?: string;
}

export interface ForeignProducerFigure {
  scenario: string;
  codecs: number;
  poisons: number;
  valid: number;
  stored: number;
  unique: number;
  deadLettered: number;
  quarantined: number;
  lost: number;
  duplicated: number;
  /** Poison dead-lettered with another reason or fate than its kind's, or not at all; stored rows that are no valid event. */
  misrouted: number;
  /** Broker append → stored, over the valid events. */
  freshnessP50Ms: number;
  freshnessP99Ms: number;
  freshnessMaxMs: number;
}

export interface ForeignProducerRun {
  figure: ForeignProducerFigure;
  /** What went wrong, one line each (empty when every message met its fate). */
  problems: string[];
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

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
    try {
      await waitFor(async () => (ingestor.transport.stats().assigned.length === PARTITIONS ? true : undefined), { what: 'the ingestor to own every partition', intervalMs: 20 });
      const script = new JavaProducerScript();
      const poisons = new Map<number, PoisonKind>();
      const valid = new Map<number, string>();
      for (let round = 0; round < options.rounds; round++) {
        CODECS.forEach((codec, index) => {
          const partition = index % PARTITIONS;
          const organization = `org_${codec}`;
          script.open({ 'compression.type': codec, 'enable.idempotence': true, acks: 'all', 'linger.ms': 5, 'max.request.size': MAIN_TOPIC_MAX_BYTES });
          for (const poison of poisonKinds(organization)) {
            if (options.withPoison !== false) poisons.set(script.send({ topic, partition, key: poison.key, value: poison.value, headers: poison.headers }), poison);
            for (let count = 0; count < options.validBehind; count++) {
              const event = makeAuditEvent({ organizationId: organization });
              valid.set(script.send({ topic, partition, key: organization, value: serializeAuditEvent(event) }), event.id);
            }
          }
          script.close();
        });
      }
      const run = await script.run(testBrokers());
      const problems = run.failures.slice(0, 10).map((failure) => `send ${failure}`);
      const appendedAt = new Map([...valid].map(([n, id]) => [id, run.acks[n]?.timestamp ?? Number.NaN]));

      await waitFor(
        async () => {
          const progress = await groupProgress(kafka, topic, groupId);
          return progress.committed >= progress.end ? true : undefined;
        },
        { what: 'every partition committed to its end', timeoutMs: Math.max(60_000, valid.size * 10) },
      ).catch((error: Error) => problems.push(error.message));

      const result = await clickhouse.handle.client.query({
        query: `SELECT toString(event_id) AS id, toUnixTimestamp64Milli(ingested_at) AS stored_at FROM ${clickhouse.database}.audit_events`,
        format: 'JSONEachRow',
      });
      const rows = await result.json<{ id: string; stored_at: string | number }>();
      const storedIds = new Set(rows.map(({ id }) => id));
      const validIds = new Set(valid.values());
      const freshness = rows.filter(({ id }) => validIds.has(id)).map(({ id, stored_at }) => Number(stored_at) - (appendedAt.get(id) ?? Number.NaN)).sort((a, b) => a - b);
      let misrouted = rows.filter(({ id }) => !validIds.has(id)).length;

      const onDlq = await topicSize(kafka, dlqTopic);
      const letters = onDlq === 0 ? [] : await readTopic(kafka, dlqTopic, { count: onDlq, timeoutMs: 60_000 });
      const fates = new Map(letters.map(({ message }) => [`${message.headers?.[DLQ_HEADERS.partition]}:${message.headers?.[DLQ_HEADERS.offset]}`, message]));
      let quarantined = 0;
      for (const [n, poison] of poisons) {
        const ack = run.acks[n];
        const letter = ack && fates.get(`${ack.partition}:${ack.offset}`);
        const fate = { reason: letter?.headers?.[DLQ_HEADERS.reason]?.toString(), quarantined: letter?.headers?.[DLQ_HEADERS.quarantined] !== undefined };
        if (fate.quarantined) quarantined += 1;
        if (fate.reason !== poison.reason || fate.quarantined !== (poison.quarantined ?? false)) {
          misrouted += 1;
          if (problems.length < 20) problems.push(`poison "${poison.kind}" (send ${n}) expected ${poison.reason}${poison.quarantined ? ', quarantined' : ''}, got ${letter ? `${fate.reason}${fate.quarantined ? ', quarantined' : ''}` : 'no dead letter'}`);
        }
      }
      const lost = [...validIds].filter((id) => !storedIds.has(id)).length;
      if (lost > 0) problems.push(`${lost} valid events not stored`);
      return {
        figure: {
          scenario: options.scenario ?? 'foreign-producers',
          codecs: CODECS.length,
          poisons: poisons.size,
          valid: validIds.size,
          stored: rows.length,
          unique: storedIds.size,
          deadLettered: fates.size,
          quarantined,
          lost,
          duplicated: rows.length - storedIds.size,
          misrouted,
          freshnessP50Ms: percentile(freshness, 50),
          freshnessP99Ms: percentile(freshness, 99),
          freshnessMaxMs: freshness[freshness.length - 1] ?? 0,
        },
        problems,
      };
    } finally {
      await ingestor.app.close();
    }
  } finally {
    await clickhouse.close();
  }
}
