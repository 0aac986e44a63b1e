import { Logger } from '@nestjs/common';
import type { Admin } from 'kafkajs';
import type { StreamPosition } from '../definition/stream-definition';

type SeekEntry = { partition: number; offset: string };

export type PositionPlan = { via: 'topic'; offsets: SeekEntry[] } | { via: 'backfill'; ends: SeekEntry[] };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Moves a stream's consumer group to where its position asks, before its consumer starts:
 * - `created`: the projection topic from the creation time (offsets by timestamp);
 * - `from`: the same when every partition still holds a record older than `from` (so nothing
 *   since was deleted by retention); otherwise a backfill from ClickHouse comes first. For that,
 *   the topic's end offsets are recorded *before* ClickHouse is read (`ends`), and the group is
 *   moved there afterwards: a link whose record lies beyond the ends was stored after they were
 *   recorded, or is a copy the stream drops by sequence — no gap, no duplicate at the seam.
 */
export class StreamPositioner {
  private readonly logger = new Logger(StreamPositioner.name);

  constructor(
    private readonly admin: Admin,
    private readonly topic: string,
  ) {}

  async plan(position: StreamPosition): Promise<PositionPlan> {
    const atTime = await this.admin.fetchTopicOffsetsByTimestamp(this.topic, Date.parse(position.from));
    if (position.kind === 'created') return { via: 'topic', offsets: atTime.map(({ partition, offset }) => ({ partition, offset })) };
    const watermarks = await this.admin.fetchTopicOffsets(this.topic);
    const low = new Map(watermarks.map(({ partition, low: start }) => [partition, BigInt(start)]));
    const covered = atTime.every(({ partition, offset }) => BigInt(offset) > (low.get(partition) ?? 0n));
    if (covered) return { via: 'topic', offsets: atTime.map(({ partition, offset }) => ({ partition, offset })) };
    return { via: 'backfill', ends: watermarks.map(({ partition, high }) => ({ partition, offset: high })) };
  }

  /**
   * Sets the group's offsets (the group must have no member: a killed delivery's member lingers
   * until its session times out, so this waits for that, up to `timeoutMs`).
   */
  async moveGroup(groupId: string, partitions: SeekEntry[], signal?: AbortSignal, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.admin.setOffsets({ groupId, topic: this.topic, partitions });
        return;
      } catch (error) {
        if (signal?.aborted || Date.now() > deadline) throw error;
        if (attempt === 0) this.logger.log(`group ${groupId} not movable yet (${(error as Error).message}); waiting for its old members to leave`);
        await sleep(1000);
      }
    }
  }
}
