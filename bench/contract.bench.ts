// Cost of validating one Kafka message on the ingestor's hot path: parseAuditEventMessage (size,
// UTF-8, JSON, the compiled contract checker, normalisation) against the textbook class-transformer
// + class-validator path on the same bytes, in the same run. One core, no broker needed.
import { parseAuditEventMessage, serializeAuditEvent, validateAuditEventWithClassValidator } from '@audit/contract';
import { generatedEvent } from '@audit/testing';
import { benchRow, writeBenchResults } from './lib';

const CORPUS_SIZE = 1_000;
const TURNS = 8;

/** Typical events (the tests' generator): distinct ids, tenants, actors and resources; some changes and metadata. */
function corpus(): Buffer[] {
  const now = Date.now();
  return Array.from({ length: CORPUS_SIZE }, (_, i) =>
    Buffer.from(serializeAuditEvent(generatedEvent(i, { organizations: 50, actors: 200, occurredAt: new Date(now - (CORPUS_SIZE - i) * 1_000).toISOString() }))),
  );
}

/** Microseconds per message, over whole passes of the corpus, for at least `minMs`. */
function microsPerMessage(messages: Buffer[], run: (message: Buffer) => unknown, minMs: number): number {
  for (const message of messages) run(message);
  let count = 0;
  const started = process.hrtime.bigint();
  let elapsedMs = 0;
  while (elapsedMs < minMs) {
    for (const message of messages) run(message);
    count += messages.length;
    elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  }
  return (elapsedMs * 1_000) / count;
}

function main(): void {
  const messages = corpus();
  const rejected = messages.map((m) => parseAuditEventMessage(m)).find((result) => !result.ok);
  if (rejected && !rejected.ok) throw new Error(`the corpus is invalid: ${JSON.stringify(rejected.violations)}`);
  const bytes = Math.round(messages.reduce((sum, m) => sum + m.length, 0) / messages.length);

  // The machine is shared: the three paths take turns, and each keeps its best turn.
  let reference = Number.POSITIVE_INFINITY;
  let compiled = Number.POSITIVE_INFINITY;
  let jsonOnly = Number.POSITIVE_INFINITY;
  for (let turn = 0; turn < TURNS; turn += 1) {
    reference = Math.min(reference, microsPerMessage(messages, (m) => validateAuditEventWithClassValidator(JSON.parse(m.toString('utf8'))), 300));
    compiled = Math.min(compiled, microsPerMessage(messages, (m) => parseAuditEventMessage(m), 300));
    jsonOnly = Math.min(jsonOnly, microsPerMessage(messages, (m) => JSON.parse(m.toString('utf8')), 300));
  }

  const config = { events: CORPUS_SIZE, averageBytes: bytes, turns: TURNS, statistic: 'best turn of each path', node: process.version };
  writeBenchResults('contract', [
    benchRow({
      name: 'parseAuditEventMessage, valid typical event',
      value: compiled,
      unit: 'µs/event',
      baseline: { name: 'plainToInstance + validateSync on the same bytes', value: reference },
      target: { max: 10 },
      config,
    }),
    benchRow({
      name: 'parseAuditEventMessage throughput on one core',
      value: 1e6 / compiled,
      unit: 'events/s',
      baseline: { name: 'plainToInstance + validateSync', value: 1e6 / reference },
      target: { min: 50_000 },
      config,
    }),
    benchRow({
      name: 'JSON.parse alone (the floor: decode + parse, no checks)',
      value: jsonOnly,
      unit: 'µs/event',
      baseline: { name: 'parseAuditEventMessage', value: compiled },
      config,
    }),
  ]);
}

main();
