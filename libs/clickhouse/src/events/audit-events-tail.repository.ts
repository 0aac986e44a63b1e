import type { ClickHouseClient } from '@clickhouse/client';
import { toClickHouseTime, type AuditEventRow } from './audit-event.row';
import { AUDIT_EVENT_COLUMNS, KEYED_COLUMNS, selectList, toRow } from './audit-event.columns';
import { attributeCondition, type AuditEventAttributes, type TenantScope } from './audit-events.conditions';
import { DEFAULT_READ_LIMITS, readSettingsClause, type ReadLimits } from './read-limits.settings';

/**
 * A place in the order of arrival: per Kafka partition of the audit topic, the next offset to read
 * (Kafka's own notion of a consumer position). A partition the map does not name starts at 0.
 */
export type TailPosition = ReadonlyMap<number, number>;

/** A stored row with where it arrived: its partition and offset, when it was stored, and whether it is a copy. */
export interface TailRow extends AuditEventRow {
  kafka_partition: number;
  kafka_offset: number;
  chain_seq: number;
  /** Milliseconds since the epoch at which ClickHouse stored the row. */
  ingested_ms: number;
  /** The same content (organization, id, digest) was stored before, earlier in its organization's chain. */
  copy: boolean;
}

/** Rows of one partition, ascending by offset. */
export interface PartitionRows {
  rows: TailRow[];
  /** The range held more matching rows than were read: the next read starts after the last row. */
  truncated: boolean;
}

const TAIL_COLUMNS = [...KEYED_COLUMNS, 'chain_seq', 'kafka_partition', 'kafka_offset', 'ingested_ms', 'first_seq'] as const;

/**
 * The audit log in order of arrival, for the tail API. Within a Kafka partition the ingester
 * stores blocks in offset order, and it records each block's chain heads only after the block's
 * rows are stored (ClickHouse returns from an insert once all its parts are visible). So the
 * newest head of a partition marks a prefix of offsets whose rows are all readable: a reader that
 * moves only within it never passes a row that becomes visible later — no gap, even when one
 * insert's rows land in several monthly parts, or a late event carries an old `occurredAt`.
 */
export class AuditEventsTailRepository {
  private readonly settings: string;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
    /** The topic the ingester consumes (rows and heads carry it as lineage). */
    private readonly topic: string,
    limits: ReadLimits = DEFAULT_READ_LIMITS,
  ) {
    this.settings = readSettingsClause(limits);
  }

  /**
   * Per partition, the offset after the newest block whose rows are all stored (see the class).
   * argMax-free: the newest head of any organization is the partition's newest block, whether or
   * not merges have dropped the older heads yet.
   */
  async horizon(signal?: AbortSignal): Promise<Map<number, number>> {
    const rows = await this.compact(
      `SELECT kafka_partition, max(last_offset) + 1 FROM ${this.database}.audit_chain_heads
       WHERE kafka_topic = {topic:String}
       GROUP BY kafka_partition
       ${this.settings}`,
      { topic: this.topic },
      signal,
    );
    return new Map(rows.map(([partition, next]) => [Number(partition), Number(next)]));
  }

  /**
   * The position just before the first row stored at or after `since` (ISO-8601), per partition;
   * a partition with none starts at `horizon` (read before this call: every row behind it was
   * already stored, hence earlier). Rows of a partition are stored in offset order, so the rows
   * stored from `since` on are exactly those at or after the returned offsets.
   */
  async positionAt(scope: TenantScope, since: string, horizon: TailPosition, signal?: AbortSignal): Promise<Map<number, number>> {
    const where = attributeCondition(scope, {});
    const rows = await this.compact(
      `SELECT kafka_partition, min(kafka_offset) FROM ${this.database}.audit_events
       WHERE ${['kafka_topic = {topic:String}', "ingested_at >= {since:DateTime64(3, 'UTC')}", ...where.sql].join(' AND ')}
       GROUP BY kafka_partition
       ${this.settings}`,
      { ...where.params, topic: this.topic, since: toClickHouseTime(since) },
      signal,
    );
    const position = new Map(horizon);
    for (const [partition, first] of rows) position.set(Number(partition), Number(first));
    return position;
  }

  /**
   * The rows matching `scope` and `attributes` whose offset is in [from, to) of their partition,
   * ascending by offset, at most `perPartition` per partition. A block replayed before merges
   * (same partition and offset) is read once. Each row says whether it is a copy: an identical
   * content stored earlier in its organization's chain (a producer's re-send) — looked up by the
   * primary key, since a copy shares organization, time and id.
   */
  async read(scope: TenantScope, attributes: AuditEventAttributes, from: TailPosition, to: TailPosition, perPartition: number, signal?: AbortSignal): Promise<Map<number, PartitionRows>> {
    const partitions = [...to.keys()].filter((partition) => (from.get(partition) ?? 0) < (to.get(partition) as number));
    const result = new Map<number, PartitionRows>();
    if (partitions.length === 0) return result;
    const starts = partitions.map((partition) => from.get(partition) ?? 0);
    const ends = partitions.map((partition) => to.get(partition) as number);
    const where = attributeCondition(scope, attributes);
    const slot = 'indexOf({partitions:Array(UInt32)}, kafka_partition)';
    const rows = await this.compact(
      `WITH page AS (
         SELECT ${AUDIT_EVENT_COLUMNS.join(', ')}, content_digest, chain_seq, kafka_partition, kafka_offset, ingested_at
         FROM ${this.database}.audit_events
         WHERE ${[
           'kafka_topic = {topic:String}',
           // The bounds over all partitions first: the kafka_offset minmax index skips the granules outside them.
           'kafka_offset >= {lowest:UInt64}',
           'kafka_offset < {highest:UInt64}',
           'kafka_partition IN {partitions:Array(UInt32)}',
           `kafka_offset >= {starts:Array(UInt64)}[${slot}]`,
           `kafka_offset < {ends:Array(UInt64)}[${slot}]`,
           ...where.sql,
         ].join(' AND ')}
         ORDER BY kafka_partition, kafka_offset
         LIMIT {perPartition:UInt32} BY kafka_partition
       )
       SELECT ${selectList(KEYED_COLUMNS)}, chain_seq, kafka_partition, kafka_offset, toUnixTimestamp64Milli(ingested_at), first_seq
       FROM page
       LEFT JOIN (
         SELECT organization_id, event_id, content_digest, min(chain_seq) AS first_seq
         FROM ${this.database}.audit_events
         WHERE (organization_id, occurred_at, event_id) IN (SELECT organization_id, occurred_at, event_id FROM page)
         GROUP BY organization_id, event_id, content_digest
       ) AS firsts USING (organization_id, event_id, content_digest)
       ORDER BY kafka_partition, kafka_offset
       ${this.settings}`,
      {
        ...where.params,
        topic: this.topic,
        partitions,
        starts,
        ends,
        lowest: Math.min(...starts),
        highest: Math.max(...ends),
        perPartition,
      },
      signal,
    );
    // LIMIT BY counts a replayed row too: a partition that returned `perPartition` rows may hold more.
    const returned = new Map<number, number>();
    for (const values of rows) {
      const row = toRow(values, TAIL_COLUMNS as unknown as ReadonlyArray<keyof AuditEventRow>) as TailRow & { first_seq?: unknown };
      const firstSeq = Number(row.first_seq);
      delete row.first_seq;
      const tail: TailRow = Object.assign(row, {
        kafka_partition: Number(row.kafka_partition),
        kafka_offset: Number(row.kafka_offset),
        chain_seq: Number(row.chain_seq),
        ingested_ms: Number(row.ingested_ms),
        copy: firstSeq < Number(row.chain_seq),
      });
      const count = (returned.get(tail.kafka_partition) ?? 0) + 1;
      returned.set(tail.kafka_partition, count);
      let partition = result.get(tail.kafka_partition);
      if (!partition) result.set(tail.kafka_partition, (partition = { rows: [], truncated: false }));
      partition.truncated = count >= perPartition;
      // A replayed block not merged yet: the same record stored twice is one row.
      if (partition.rows.at(-1)?.kafka_offset !== tail.kafka_offset) partition.rows.push(tail);
    }
    return result;
  }

  private async compact(query: string, params: Record<string, unknown>, signal?: AbortSignal): Promise<unknown[][]> {
    const result = await this.client.query({ query, query_params: params, format: 'JSONCompactEachRow', abort_signal: signal });
    return result.json<unknown[]>();
  }
}
