import { loadConfig } from '@audit/config';
import { DLQ_HEADERS, type Violation } from '@audit/contract';
import { redriveDeadLetters } from '@audit/ingest';
import { KafkaConfig, createKafka, readTopicRanges } from '@audit/kafka';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { parseCommandArgs, positiveInteger } from '../cli.args';
import { CliConfig } from '../cli.config';
import { UsageError, type CliCommand, type CliIo } from '../cli.io';
import { formatTable } from '../format/table.format';

const HELP = `Usage: audit dlq <list|redrive> [options]

Dead letters: events the ingestor could not store, kept on the dead-letter topic with the reason.

  audit dlq list       the most recent dead letters: where they came from, when, and why
  audit dlq redrive    send dead letters back to the topic they came from (after a fix)

Run \`audit dlq list --help\` or \`audit dlq redrive --help\` for their options.
`;

const LIST_HELP = `Usage: audit dlq list [options]

Lists the most recent dead letters (newest last) with their reason, origin (topic/partition/offset),
first-seen time and the violated rules. Event payloads are not printed. A quarantine record (a dead
letter the topic refused, e.g. too large, published by reference) shows "quarantined (<refusal>)".

Options:
  --topic <name>     dead-letter topic (default: $AUDIT_DLQ_TOPIC or audit.events.v1.dlq)
  --limit <n>        at most this many, the most recent (default 50)
  --reason <reason>  only this reason (empty, too_large, not_utf8, not_json, contract, wrong_key, rejected_by_clickhouse, undecodable_batch)
  --json             print JSON lines instead of a table
  -h, --help         show this help
`;

const REDRIVE_HELP = `Usage: audit dlq redrive --yes [options]

Sends the dead letters present now back to the topic each came from, with their original key,
value and headers, so a fixed ingestor (or contract) can store them. Quarantine records are left:
they have no value to send. A consumer group remembers
how far re-driving got, so running it again does not resend. Without --yes it only counts what
would be sent.

Options:
  --topic <name>     dead-letter topic (default: $AUDIT_DLQ_TOPIC or audit.events.v1.dlq)
  --reason <reason>  only dead letters with this reason; the others are skipped (and not re-driven later by the same group)
  --group <id>       consumer group recording the progress (default audit-dlq-redrive)
  --timeout <s>      give up after this many seconds (default 60)
  --yes              really send them
  -h, --help         show this help
`;

interface DeadLetterEntry {
  dlqPartition: number;
  dlqOffset: string;
  reason: string;
  originTopic: string;
  originPartition: number | null;
  originOffset: string;
  firstSeenAt: string;
  violations: Violation[];
  /** On a quarantine record: the broker's refusal of the dead letter (its original is only on its topic). */
  quarantined: string | null;
}

function header(message: KafkaMessage, name: string): string {
  const value = message.headers?.[name];
  return (Array.isArray(value) ? value[0] : value)?.toString() ?? '';
}

function parseViolations(text: string): Violation[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? (parsed as Violation[]) : [];
  } catch {
    return [];
  }
}

function toDeadLetterEntry(partition: number, message: KafkaMessage): DeadLetterEntry {
  const originPartition = header(message, DLQ_HEADERS.partition);
  return {
    dlqPartition: partition,
    dlqOffset: message.offset,
    reason: header(message, DLQ_HEADERS.reason) || 'unknown',
    originTopic: header(message, DLQ_HEADERS.topic),
    originPartition: originPartition === '' ? null : Number(originPartition),
    originOffset: header(message, DLQ_HEADERS.offset),
    firstSeenAt: header(message, DLQ_HEADERS.firstSeenAt) || new Date(Number(message.timestamp)).toISOString(),
    violations: parseViolations(header(message, DLQ_HEADERS.violations)),
    quarantined: header(message, DLQ_HEADERS.quarantined) || null,
  };
}

/** The newest `limit` dead letters (optionally of one reason), oldest first. */
async function listDeadLetters(kafka: Kafka, topic: string, options: { limit: number; reason?: string }): Promise<DeadLetterEntry[]> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  // Without a reason filter the newest `limit` of each partition suffice; with one, read it all.
  const ranges = offsets.map(({ partition, low, high }) => ({
    partition,
    from: options.reason ? low : String(BigInt(high) - BigInt(options.limit) > BigInt(low) ? BigInt(high) - BigInt(options.limit) : BigInt(low)),
    to: high,
  }));
  const messages = await readTopicRanges(kafka, topic, ranges, { timeoutMs: 30_000 });
  return messages
    .map(({ partition, message }) => ({ entry: toDeadLetterEntry(partition, message), timestamp: Number(message.timestamp) }))
    .filter(({ entry }) => !options.reason || entry.reason === options.reason)
    .sort((a, b) => a.timestamp - b.timestamp || a.entry.dlqPartition - b.entry.dlqPartition)
    .slice(-options.limit)
    .map(({ entry }) => entry);
}

function renderDeadLetters(entries: DeadLetterEntry[], topic: string): string {
  if (entries.length === 0) return `no dead letters on ${topic}\n`;
  const rows = entries.map((entry) => [
    `${entry.dlqPartition}:${entry.dlqOffset}`,
    entry.firstSeenAt,
    entry.quarantined ? `${entry.reason}, quarantined (${entry.quarantined})` : entry.reason,
    `${entry.originTopic}/${entry.originPartition ?? '?'}/${entry.originOffset}`,
    entry.violations.length === 0 ? '-' : `${entry.violations[0].field}: ${entry.violations[0].rule}${entry.violations.length > 1 ? ` (+${entry.violations.length - 1})` : ''}`,
  ]);
  return formatTable(['DLQ OFFSET', 'FIRST SEEN', 'REASON', 'ORIGIN', 'VIOLATION'], rows) + `${entries.length} dead letters shown\n`;
}

function kafkaFor(io: CliIo): Kafka {
  const kafkaConfig = loadConfig(KafkaConfig, io.env);
  return createKafka({ brokers: kafkaConfig.brokers, clientId: `${kafkaConfig.KAFKA_CLIENT_ID}-cli` });
}

async function list(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(args, { topic: { type: 'string' }, limit: { type: 'string' }, reason: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) {
    io.stdout.write(LIST_HELP);
    return 0;
  }
  const topic = values.topic ?? loadConfig(CliConfig, io.env).AUDIT_DLQ_TOPIC;
  const entries = await listDeadLetters(kafkaFor(io), topic, { limit: positiveInteger('limit', values.limit, 50), reason: values.reason });
  io.stdout.write(values.json ? entries.map((entry) => `${JSON.stringify(entry)}\n`).join('') : renderDeadLetters(entries, topic));
  return 0;
}

async function redrive(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(args, { topic: { type: 'string' }, reason: { type: 'string' }, group: { type: 'string' }, timeout: { type: 'string' }, yes: { type: 'boolean' } });
  if (values.help) {
    io.stdout.write(REDRIVE_HELP);
    return 0;
  }
  const topic = values.topic ?? loadConfig(CliConfig, io.env).AUDIT_DLQ_TOPIC;
  const kafka = kafkaFor(io);
  if (!values.yes) {
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
    const present = offsets.reduce((sum, { low, high }) => sum + Number(BigInt(high) - BigInt(low)), 0);
    io.stdout.write(`${present} dead letters on ${topic}${values.reason ? ` (all reasons; only "${values.reason}" would be sent)` : ''}; nothing sent: add --yes to re-drive them\n`);
    return 0;
  }
  const report = await redriveDeadLetters(kafka, {
    dlqTopic: topic,
    reason: values.reason,
    groupId: values.group,
    timeoutMs: positiveInteger('timeout', values.timeout, 60) * 1000,
  });
  io.stdout.write(`re-drove ${report.redriven} dead letters from ${topic} to their original topics; skipped ${report.skipped}\n`);
  if (report.quarantined === 1) io.stdout.write('1 quarantine record left: its original is only on its topic (runbook: AuditDeadLetterQuarantined)\n');
  if (report.quarantined > 1) io.stdout.write(`${report.quarantined} quarantine records left: their originals are only on their topics (runbook: AuditDeadLetterQuarantined)\n`);
  return 0;
}

export const dlqCommand: CliCommand = {
  name: 'dlq',
  summary: 'list and re-drive dead letters',
  help: HELP,
  async run(args: string[], io: CliIo): Promise<number> {
    const [sub, ...rest] = args;
    if (sub === 'list') return list(rest, io);
    if (sub === 'redrive') return redrive(rest, io);
    if (sub === undefined || sub === '--help' || sub === '-h') {
      io.stdout.write(HELP);
      return sub === undefined ? 2 : 0;
    }
    throw new UsageError(`unknown dlq command "${sub}": use list or redrive`);
  },
};
