import type { TailPosition } from '@audit/clickhouse';
import type { Response } from 'express';
import { drained } from '../audit-logs/export.writer';
import type { TailHorizonWatcher } from './tail-horizon.watcher';
import { MAX_TAIL_PAGE_SIZE } from './tail-query.dto';
import { shown, type ResolvedTail, type TailRead, type TailService } from './tail.service';

/**
 * Events per read of a stream: a backlog goes out in pages this size, each written before the next
 * is read. Each read costs a query, so a stream behind by more than a page per query's time never
 * catches up: the poll's largest page (500 fell behind at 1,000 events/s on a loaded machine).
 */
const STREAM_BATCH = MAX_TAIL_PAGE_SIZE;

export interface TailStreamLimits {
  heartbeatMs: number;
  stallTimeoutMs: number;
  maxDurationMs: number;
  /** Tells the reader's organizations, for a cross-organization stream, before their first event is written. */
  recordSources(organizations: string[]): Promise<void>;
}

/**
 * One Server-Sent Events session: every event is a message whose `id` is the tail cursor just
 * after it, so a client that reconnects with `Last-Event-ID` resumes exactly there (no gap, no
 * copy). When the position moves past rows the filters leave out, an `id`-only message moves the
 * client's resume point without an event. A quiet stream sends a comment every `heartbeatMs`.
 * Writes wait for the client (backpressure); one that takes no byte for `stallTimeoutMs`, or a
 * session older than `maxDurationMs`, is ended — the client resumes from its last id.
 */
export async function writeTailStream(
  response: Response,
  service: TailService,
  watcher: TailHorizonWatcher,
  resolved: ResolvedTail,
  start: TailPosition,
  limits: TailStreamLimits,
  abort: AbortController,
): Promise<void> {
  const { signal } = abort;
  const deadline = setTimeout(() => abort.abort(), limits.maxDurationMs);
  const recorded = new Set<string>();
  const write = async (text: string) => {
    if (!response.write(text) && (await drained(response, signal, limits.stallTimeoutMs)) === 'stalled') abort.abort();
  };
  try {
    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-store');
    // Proxies that buffer responses (nginx) would hold events back.
    response.setHeader('X-Accel-Buffering', 'no');
    if (response.req.method === 'HEAD') return;
    let position = start;
    let sent = service.cursor(position, resolved);
    // The starting position first: a client that drops before any event still resumes from it.
    await write(`retry: 1000\nid: ${sent}\n\n`);
    // Behind, the stream reads page after page up to the horizon it already has (one query a page,
    // not two: everything behind that horizon is stored); once there, it reads once by the newest.
    let horizon: TailPosition | undefined;
    let known = false;
    while (!signal.aborted) {
      const read: TailRead = await service.read(resolved, position, STREAM_BATCH, horizon, signal);
      const caughtUpToKnown = known && !read.hasMore;
      [horizon, known] = read.hasMore ? [read.horizon, true] : [undefined, false];
      if (resolved.scope === 'all') {
        const fresh = [...new Set(read.steps.map((step) => step.row.organization_id))].filter((organization) => !recorded.has(organization));
        if (fresh.length > 0) await limits.recordSources(fresh);
        for (const organization of fresh) recorded.add(organization);
      }
      for (const step of read.steps) {
        if (signal.aborted) break;
        sent = service.cursor(step.after, resolved);
        await write(`id: ${sent}\nevent: audit-event\ndata: ${JSON.stringify(shown(step))}\n\n`);
      }
      if (signal.aborted) break;
      const next = service.cursor(read.next, resolved);
      if (next !== sent) await write(`id: ${(sent = next)}\n\n`);
      position = read.next;
      if (read.hasMore || caughtUpToKnown) continue;
      horizon = await watcher.wait(position, limits.heartbeatMs, signal);
      if (!horizon && !signal.aborted) await write(`: heartbeat ${new Date().toISOString()}\n\n`);
    }
  } finally {
    clearTimeout(deadline);
    response.end();
  }
}
