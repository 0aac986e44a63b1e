import type { ClickHouseClient } from '@clickhouse/client';
import { percentile } from '@audit/testing';

/** When a follower saw an event, and when it was published (its occurredAt). */
export interface SeenEvent {
  publishedMs: number;
  seenMs: number;
}

/** Where an event's freshness went, in ms at p50 and p99 of the events seen. */
export interface FreshnessBreakdown {
  /** Publish → its row stored (`ingested_at`, set by ClickHouse as the insert runs). */
  stored: [number, number];
  /** Stored → readable by the tail (its block's chain heads written: the horizon passes it). */
  visible: [number, number];
  /** Readable → seen by the follower (the tail's wait, read and send). */
  sent: [number, number];
}

/**
 * Splits the freshness of the events a follower saw into its three legs, from the rows' own
 * `ingested_at` and the chain heads' `written_at` (call after the run, with the heads' merges
 * stopped before it: merges keep only each organization's newest head). A row is readable once
 * a head of its partition covers its offset.
 */
export async function freshnessBreakdown(client: ClickHouseClient, database: string, topic: string, followers: Array<Map<string, SeenEvent>>): Promise<FreshnessBreakdown[]> {
  const read = async (query: string) => (await client.query({ query, query_params: { topic }, format: 'JSONCompactEachRow' })).json<Array<string | number>>();
  const rows = await read(`SELECT resource_id, toUnixTimestamp64Milli(ingested_at), kafka_partition, kafka_offset FROM ${database}.audit_events WHERE kafka_topic = {topic:String}`);
  const heads = await read(`SELECT kafka_partition, last_offset, min(toUnixTimestamp64Milli(written_at)) FROM ${database}.audit_chain_heads WHERE kafka_topic = {topic:String} GROUP BY kafka_partition, last_offset ORDER BY kafka_partition, last_offset`);
  const byPartition = new Map<number, Array<{ last: number; at: number }>>();
  for (const [partition, last, at] of heads) {
    const list = byPartition.get(Number(partition)) ?? [];
    list.push({ last: Number(last), at: Number(at) });
    byPartition.set(Number(partition), list);
  }
  // A later head of the partition may have been written first (never, as blocks are in order; kept exact anyway).
  for (const list of byPartition.values()) for (let index = list.length - 2; index >= 0; index--) list[index].at = Math.min(list[index].at, list[index + 1].at);
  const visibleAt = (partition: number, offset: number) => {
    const list = byPartition.get(partition) ?? [];
    let [low, high] = [0, list.length];
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (list[middle].last < offset) low = middle + 1;
      else high = middle;
    }
    return list[low]?.at ?? NaN;
  };
  const stored = new Map<string, { storedMs: number; visibleMs: number }>();
  for (const [resourceId, storedMs, partition, offset] of rows) stored.set(String(resourceId), { storedMs: Number(storedMs), visibleMs: visibleAt(Number(partition), Number(offset)) });
  return followers.map((seen) => {
    const legs: [number[], number[], number[]] = [[], [], []];
    for (const [resourceId, { publishedMs, seenMs }] of seen) {
      const row = stored.get(resourceId);
      if (!row || Number.isNaN(row.visibleMs)) continue;
      legs[0].push(row.storedMs - publishedMs);
      legs[1].push(row.visibleMs - row.storedMs);
      legs[2].push(seenMs - row.visibleMs);
    }
    const [storedLeg, visibleLeg, sentLeg] = legs.map((values) => [percentile(values, 50), percentile(values, 99)] as [number, number]);
    return { stored: storedLeg, visible: visibleLeg, sent: sentLeg };
  });
}
