import { chainedJsonEachRowLine, toEventColumns } from '@audit/clickhouse';
import { LIMITS, parseAuditEventMessage, type Violation } from '@audit/contract';
import { appendLink, type ChainState } from '@audit/integrity';
import type { DeadLetterReason } from '../dead-letters/dead-letter.publisher';
import { reasonOf } from '../dead-letters/dead-letter.publisher';

/**
 * One block's messages in a form that crosses to a worker thread cheaply: the values back to back
 * in one buffer (transferred, not copied), their keys and offsets.
 */
export interface EncodeRequest {
  topic: string;
  partition: number;
  /** The values back to back; message `i` is `values[ends[i-1] .. ends[i])` (a null value is empty, as an empty one is refused alike). */
  values: Uint8Array;
  ends: Uint32Array;
  keys: Array<string | null>;
  offsets: string[];
  /**
   * Epoch ms the contract's clock-skew rule compares `occurredAt` with, and a link's retention is
   * counted from (or from its occurredAt, when that is later): the block's recorded clock.
   */
  now: number;
  /** Chain each organization on from these heads; absent, rows are stored unchained. */
  before?: Map<string, ChainState>;
  /** Days to keep each organization's rows (from the retention policy); for a chained row, always there. */
  retentionDays: Map<string, number>;
}

export interface EncodedLetter {
  index: number;
  reason: DeadLetterReason;
  violations: Violation[];
}

export interface EncodedBlock {
  /** JSONEachRow lines of the valid messages, newline-terminated. */
  body: Uint8Array;
  /** Indices (into the request) of the messages stored as rows, in order. */
  rows: number[];
  occurredAt: string[];
  letters: EncodedLetter[];
  /** The heads after the rows (a copy of `before` moved on); empty when unchained. */
  after: Map<string, ChainState>;
}

/** Packs messages into an {@link EncodeRequest}'s values and ends. */
export function packValues(values: Array<Buffer | null>): { values: Uint8Array; ends: Uint32Array } {
  const ends = new Uint32Array(values.length);
  let total = 0;
  values.forEach((value, index) => (ends[index] = total += value?.length ?? 0));
  // Not from Node's shared pool (where allocUnsafe puts small buffers): the block's memory is
  // transferred to the encoder thread, and Node refuses to transfer the pool.
  const packed = Buffer.allocUnsafeSlow(total);
  let at = 0;
  for (const value of values) if (value) at += value.copy(packed, at);
  return { values: packed, ends };
}

/**
 * The Kafka keys that can be an organization's chain: with the chain on, a row is stored only when
 * its key is its event's organizationId, so these are all the organizations a block can move
 * (read before parsing, so the heads can be fetched while the block is encoded elsewhere).
 */
export function chainKeys(keys: Array<string | null>): Set<string> {
  const organizations = new Set<string>();
  for (const key of keys) if (key !== null && key.length > 0 && key.length <= LIMITS.organizationIdLength) organizations.add(key);
  return organizations;
}

/**
 * What one block becomes: each message parsed and validated (`parseAuditEventMessage`), refused ones
 * as dead letters with their reason, valid ones as JSONEachRow lines — each line the link's
 * canonical JSON (the bytes the hash covers) continued by the chain and lineage columns. Pure: the
 * same request always gives the same bytes and heads, in this thread or a worker.
 */
export function encodeBlock(request: EncodeRequest): EncodedBlock {
  const { topic, partition, values, ends, keys, offsets, now, before, retentionDays } = request;
  const after = new Map(before);
  const rows: number[] = [];
  const occurredAt: string[] = [];
  const letters: EncodedLetter[] = [];
  const body = new BodyWriter(values.byteLength);
  const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  // occurredAt is ISO-8601 with milliseconds (normalised by the contract), so text order is time order.
  const clock = new Date(now).toISOString();
  for (let index = 0, start = 0; index < ends.length; start = ends[index], index++) {
    const result = parseAuditEventMessage(bytes.subarray(start, ends[index]), now);
    if (!result.ok) {
      letters.push({ index, reason: reasonOf(result.violations), violations: result.violations });
      continue;
    }
    const { event } = result;
    if (before && keys[index] !== event.organizationId) {
      letters.push({ index, reason: 'wrong_key', violations: [wrongKey(keys[index], event.organizationId)] });
      continue;
    }
    const lineage = { topic, partition, offset: offsets[index] };
    const columns = toEventColumns(event);
    const retention = retentionDays.get(columns.organization_id);
    rows.push(index);
    occurredAt.push(event.occurredAt);
    if (!before) {
      body.line(chainedJsonEachRowLine(JSON.stringify(columns), undefined, lineage, retention));
      continue;
    }
    // Retention counts from the block's clock, or from occurredAt when the event is (up to an hour) ahead of it.
    const countedFrom = event.occurredAt > clock ? Date.parse(event.occurredAt) : now;
    const link = appendLink(after.get(columns.organization_id) as ChainState, columns, { countedFrom, retentionDays: retention as number });
    after.set(columns.organization_id, link.head);
    body.line(chainedJsonEachRowLine(link.canonicalJson, { prevHash: link.prevHash, hash: link.head.hash }, lineage, retention));
  }
  return { body: body.bytes(), rows, occurredAt, letters, after };
}

/**
 * Newline-terminated lines written straight into memory of its own (not Node's shared pool, so it
 * can be transferred), grown by doubling: no array of lines and no joined copy of the whole block.
 */
class BodyWriter {
  private buffer: Buffer;
  private length = 0;

  /** Starts at twice the block's values: a stored line is about that much longer than its message. */
  constructor(valueBytes: number) {
    this.buffer = Buffer.allocUnsafeSlow(Math.max(1024, valueBytes * 2));
  }

  line(text: string): void {
    const longest = this.length + text.length * 3 + 1;
    if (longest > this.buffer.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(longest, this.buffer.length * 2));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.length += this.buffer.write(text, this.length);
    this.buffer[this.length++] = 0x0a;
  }

  /** The lines written (a view of the same memory; empty when there are none). */
  bytes(): Uint8Array {
    return this.length === 0 ? new Uint8Array(0) : this.buffer.subarray(0, this.length);
  }
}

/**
 * An organization's chain is ordered by one consumer only if all its events share a partition,
 * which the key (= organizationId) guarantees; a message keyed otherwise could land beside another
 * consumer's copy of the same chain and fork it, so it is refused with the rule it broke.
 */
function wrongKey(key: string | null, organizationId: string): Violation {
  const got = key === null ? 'no key' : `key ${JSON.stringify(key)}`;
  return { field: '$key', rule: 'keyIsOrganizationId', message: `the Kafka key must be the event's organizationId (${JSON.stringify(organizationId)}), got ${got}` };
}
