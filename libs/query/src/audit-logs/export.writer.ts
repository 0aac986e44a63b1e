import type { Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { ExportBatch, ExportFraming } from './export.format';

/** HTTP trailers sent after the last byte of an export (declared up front in `Trailer`). */
export const EXPORT_TRAILERS = { rowCount: 'X-Audit-Row-Count', sha256: 'X-Audit-Content-SHA256' } as const;

export interface ExportSummary {
  rows: number;
  sha256: string;
  /** The client went away before the end; nothing more was read from ClickHouse. */
  aborted: boolean;
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
 * Streams text batches to the response with backpressure (waits for `drain`), so memory holds a
 * batch or two however many rows there are. The body is hashed as it is written; the row count and
 * the SHA-256 go out as HTTP trailers, the only place a streamed body's digest can go. A framing's
 * footer (a verified export's manifest) follows the rows and is part of the trailer's digest.
 * A HEAD request gets the headers and reads no batch.
 */
export async function writeExport(
  response: Response,
  batches: AsyncIterable<ExportBatch>,
  framing: ExportFraming,
  filename: string,
  abort: AbortController,
): Promise<ExportSummary> {
  const hash = createHash('sha256');
  let rows = 0;
  const write = async (text: string | Uint8Array) => {
    if (text.length === 0) return;
    hash.update(text);
    if (response.write(text)) return;
    try {
      await once(response, 'drain', { signal: abort.signal });
    } catch {
      // Aborted: the client left; the loop below sees the signal and stops reading.
    }
  };
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
}
