import type { Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { setImmediate as yieldToOthers } from 'node:timers/promises';
import type { ExportBatch, ExportFraming } from './export.format';

/**
 * Bytes hashed and written at once: a batch is tens of megabytes, and hashing one at once would hold
 * the event loop for a few hundred milliseconds (health checks, other tenants' reads). Between slices
 * the writer lets other work run.
 */
const SLICE_BYTES = 1 << 20;

/** HTTP trailers sent after the last byte of an export (declared up front in `Trailer`). */
export const EXPORT_TRAILERS = { rowCount: 'X-Audit-Row-Count', sha256: 'X-Audit-Content-SHA256' } as const;

export interface ExportSummary {
  rows: number;
  sha256: string;
  /** The client went away (or was cut) before the end; nothing more was read from ClickHouse. */
  aborted: boolean;
}

/** Why the server cut an export short. */
export type ExportCut = 'stalled' | 'too_long';

/** How long an export may wait for its client, and run in all. */
export interface ExportLimits {
  /** A client that takes no byte for this long while the server waits to write is cut. */
  stallTimeoutMs: number;
  maxDurationMs: number;
  onCut?: (reason: ExportCut) => void;
}

/**
 * Whether the body goes out chunked, the only framing that carries trailers: HTTP/1.1 with a body.
 * Node throws ERR_HTTP_TRAILER_INVALID for a `Trailer` header on any other response, so they are
 * declared only then. A HEAD answer has no body; an HTTP/1.0 client (nginx's default towards its
 * upstreams) gets the same body, ended by the end of the connection, without trailers.
 */
function carriesTrailers(request: Request): boolean {
  return request.method !== 'HEAD' && (request.httpVersionMajor > 1 || (request.httpVersionMajor === 1 && request.httpVersionMinor >= 1));
}

/**
 * Waits until the response can take more. `stalled` when its client took no byte for `stallMs`:
 * the socket's idle timer, which every byte the kernel hands on resets, so a slow reader is not a
 * stalled one.
 */
export async function drained(response: Response, signal: AbortSignal, stallMs: number): Promise<'drained' | 'aborted' | 'stalled'> {
  const socket = response.socket;
  const stall = new AbortController();
  const idle = () => stall.abort();
  socket?.setTimeout(stallMs, idle);
  try {
    await once(response, 'drain', { signal: AbortSignal.any([signal, stall.signal]) });
    return 'drained';
  } catch {
    return stall.signal.aborted ? 'stalled' : 'aborted';
  } finally {
    socket?.setTimeout(0);
    socket?.off('timeout', idle);
  }
}

/**
 * Streams text batches to the response with backpressure (waits for `drain`), so memory holds a
 * batch or two however many rows there are. The body is hashed as it is written; the row count and
 * the SHA-256 go out as HTTP trailers, the only place a streamed body's digest can go. A framing's
 * footer (a verified export's manifest) follows the rows and is part of the trailer's digest.
 * A HEAD request gets the headers and reads no batch.
 *
 * An export holds a slot, a query and memory while it runs, so it is cut (connection closed, no
 * trailers: the client sees an incomplete transfer) when its client takes no byte for
 * `stallTimeoutMs` while a write waits (see {@link drained}), or when it runs past `maxDurationMs`.
 */
export async function writeExport(
  response: Response,
  batches: AsyncIterable<ExportBatch>,
  framing: ExportFraming,
  filename: string,
  abort: AbortController,
  limits: ExportLimits,
): Promise<ExportSummary> {
  const hash = createHash('sha256');
  let rows = 0;
  const cut = (reason: ExportCut) => {
    if (abort.signal.aborted) return;
    limits.onCut?.(reason);
    abort.abort();
    response.destroy();
  };
  const deadline = setTimeout(() => cut('too_long'), limits.maxDurationMs);
  const write = async (text: string | Uint8Array) => {
    const bytes = typeof text === 'string' ? Buffer.from(text) : text;
    for (let at = 0; at < bytes.length && !abort.signal.aborted; at += SLICE_BYTES) {
      const slice = bytes.subarray(at, at + SLICE_BYTES);
      hash.update(slice);
      // Aborted (the client left) or cut: the loop below sees the signal and stops reading.
      if (!response.write(slice) && (await drained(response, abort.signal, limits.stallTimeoutMs)) === 'stalled') cut('stalled');
      else await yieldToOthers();
    }
  };
  try {
    response.status(200);
    response.setHeader('Content-Type', framing.contentType);
    response.setHeader('Content-Disposition', `attachment; filename="${filename}.${framing.extension}"`);
    const trailers = carriesTrailers(response.req);
    if (trailers) response.setHeader('Trailer', `${EXPORT_TRAILERS.rowCount}, ${EXPORT_TRAILERS.sha256}`);
    response.setHeader('Cache-Control', 'no-store');
    if (response.req.method === 'HEAD') {
      response.end();
      return { rows, sha256: hash.digest('hex'), aborted: false };
    }
    await write(framing.header);
    for await (const batch of batches) {
      if (abort.signal.aborted) break;
      rows += batch.rows;
      await write(batch.text);
    }
    if (framing.footer && !abort.signal.aborted) await write(await framing.footer({ rows, sha256: hash.copy().digest('hex') }));
    const sha256 = hash.digest('hex');
    if (abort.signal.aborted) return { rows, sha256, aborted: true };
    if (trailers) response.addTrailers({ [EXPORT_TRAILERS.rowCount]: String(rows), [EXPORT_TRAILERS.sha256]: sha256 });
    response.end();
    return { rows, sha256, aborted: false };
  } finally {
    clearTimeout(deadline);
  }
}
