// Hostile input to the ingestor (issue #9, part 2): a seeded corpus is published raw, an ingestor
// consumes it, and the run checks every message's fate: valid → stored once, invalid → dead-lettered
// with the reason its case expects, nothing else. It also times the valid stream.
import { DLQ_HEADERS } from '@audit/contract';
import { startIngestApp } from '@audit/ingest/testing';
import { createTestTopics, openTestClickHouse, publish, readTopic, storedCounts, topicSize, uniqueName, waitFor } from '@audit/testing';
import type { Kafka } from 'kafkajs';
import { CASE_HEADER, hostileCorpus, type CorpusOptions } from './hostile-corpus';

export interface HostileFigure {
  scenario: string;
  seed: number;
  /** Messages published (valid and hostile). */
  produced: number;
  valid: number;
  stored: number;
  unique: number;
  /** Distinct messages dead-lettered (by original partition and offset). */
  deadLettered: number;
  /** Extra copies on the dead-letter topic: a block replayed after a rebalance publishes its letters again (at least once). */
  deadLetterCopies: number;
  /** Valid events not stored. */
  lost: number;
  /** stored − unique. */
  duplicated: number;
  /** Stored rows that are not a valid event of the corpus, and dead letters with another reason than their case's (or of a valid event). */
  misrouted: number;
}

export interface HostileRun {
  figure: HostileFigure;
  /** Dead letters per `x-audit-dlq-reason`. */
  deadLettersByReason: Record<string, number>;
  /** Distinct cases in the corpus. */
  cases: number;
  /** What went wrong, one line each (empty when every message met its fate). */
  problems: string[];
  /** Valid events stored per second, from the group's assignment to the last commit. */
  validPerSecond: number;
  /** Message bytes consumed per second over the same time (hostile messages are larger on average). */
  bytesPerSecond: number;
}

const PARTITIONS = 6;

export async function runHostileIngest(kafka: Kafka, options: CorpusOptions & { scenario?: string }): Promise<HostileRun> {
  const corpus = hostileCorpus(options);
  const validIds = new Set(corpus.flatMap(({ id }) => (id ? [id] : [])));
  const invalid = corpus.length - validIds.size;
  const expectedOf = new Map(corpus.map(({ kind, expected }) => [kind, expected]));
  const { topic, dlqTopic } = await createTestTopics(kafka, PARTITIONS);
  // Record batches stay under the broker's 1 MiB limit even with several 64 KiB messages in one.
  await publish(kafka, topic, corpus.map(({ message }) => message), 50);

  const clickhouse = await openTestClickHouse();
  try {
    const ingestor = await startIngestApp(clickhouse.handle, clickhouse.database, {
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      AUDIT_TOPIC: topic,
      AUDIT_DLQ_TOPIC: dlqTopic,
      INGEST_GROUP_ID: uniqueName('reliability-hostile'),
      INGEST_FLUSH_INTERVAL_MS: '250',
    });
    let seconds: number;
    try {
      await waitFor(async () => (ingestor.transport.stats().assigned.length === PARTITIONS ? true : undefined), { what: 'the ingestor to own every partition', intervalMs: 5 });
      const started = process.hrtime.bigint();
      await waitFor(async () => (ingestor.transport.stats().committedMessages >= corpus.length ? true : undefined), {
        what: `all ${corpus.length} messages committed`,
        timeoutMs: Math.max(60_000, corpus.length * 5),
        intervalMs: 5,
      });
      seconds = Number(process.hrtime.bigint() - started) / 1e9;
    } finally {
      await ingestor.app.close();
    }

    const problems: string[] = [];
    const counts = await storedCounts(clickhouse.handle, clickhouse.database);
    const rows = await clickhouse.handle.client.query({ query: `SELECT toString(event_id) AS id FROM ${clickhouse.database}.audit_events`, format: 'JSONEachRow' });
    const storedIds = new Set((await rows.json<{ id: string }>()).map(({ id }) => id));
    const strangers = [...storedIds].filter((id) => !validIds.has(id));
    if (strangers.length) problems.push(`${strangers.length} stored rows are not valid events of the corpus (e.g. ${strangers[0]})`);

    const onDlq = await topicSize(kafka, dlqTopic);
    const letters = onDlq === 0 ? [] : await readTopic(kafka, dlqTopic, { count: onDlq, timeoutMs: 120_000, settleMs: 1000 });
    const origins = new Map(letters.map((letter) => [`${letter.message.headers?.[DLQ_HEADERS.partition]}:${letter.message.headers?.[DLQ_HEADERS.offset]}`, letter]));
    const deadLettersByReason: Record<string, number> = {};
    let misrouted = strangers.length;
    for (const { message } of origins.values()) {
      const kind = message.headers?.[CASE_HEADER]?.toString() ?? '(no case header)';
      const reason = message.headers?.[DLQ_HEADERS.reason]?.toString() ?? '(no reason header)';
      deadLettersByReason[reason] = (deadLettersByReason[reason] ?? 0) + 1;
      if (reason !== expectedOf.get(kind)) {
        misrouted += 1;
        if (problems.length < 20) problems.push(`case ${kind} (expected ${expectedOf.get(kind)}) was dead-lettered as ${reason}: ${message.headers?.[DLQ_HEADERS.violations]?.toString().slice(0, 200)}`);
      }
    }
    const deadLettered = origins.size;
    if (deadLettered !== invalid) problems.push(`${deadLettered} messages dead-lettered for ${invalid} invalid ones`);
    return {
      figure: {
        scenario: options.scenario ?? 'hostile-input',
        seed: options.seed,
        produced: corpus.length,
        valid: validIds.size,
        stored: counts.rows,
        unique: counts.ids,
        deadLettered,
        deadLetterCopies: onDlq - deadLettered,
        lost: validIds.size - [...validIds].filter((id) => storedIds.has(id)).length,
        duplicated: counts.rows - counts.ids,
        misrouted,
      },
      deadLettersByReason,
      cases: expectedOf.size,
      problems,
      validPerSecond: validIds.size / seconds,
      bytesPerSecond: corpus.reduce((sum, { message }) => sum + (message.value ? Buffer.byteLength(message.value) : 0), 0) / seconds,
    };
  } finally {
    await clickhouse.close();
  }
}
