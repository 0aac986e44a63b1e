import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { createServer } from 'node:http';

/**
 * Headers every answer of the public listener starts with, documentation and errors included: no
 * `X-Powered-By` (it names the framework to scanners), `nosniff` (a browser never runs an export or
 * an error as a script or a page), `no-store` (an audit log read is sensitive: no browser or proxy
 * keeps a copy). A handler may still set its own caching, as the console does for its hashed files.
 */
function defaultHeaders(_request: Request, response: Response, next: NextFunction): void {
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Cache-Control', 'no-store');
  next();
}

const noBodyETag = (): undefined => undefined;

/**
 * Express for the public listener (the API, its documentation and the console), with
 * {@link defaultHeaders} ahead of every route, on a Node server that bounds how long a client may
 * take to send its request: head and body within `requestTimeoutMs`, else Node answers 408 and
 * closes. Node's defaults (60 s for the head, 300 s in all, checked every 30 s) let a client that
 * declares a body and never sends it hold a connection for minutes. Answers are not bounded here:
 * a long export is governed by its own stall and duration limits.
 */
export class PublicHttpAdapter extends ExpressAdapter {
  constructor(private readonly requestTimeoutMs: number) {
    super();
    this.getInstance().disable('x-powered-by');
    // Express hashes every body it sends for an ETag: a SHA-1 of each page (3 % of the API's CPU
    // under load) for answers that are `no-store` and never revalidated. A function that names no
    // tag skips that; the setting stays on, so files sent with sendFile (the console's hashed
    // assets) keep theirs, which `send` derives from the file's size and time.
    this.getInstance().set('etag', noBodyETag);
    this.getInstance().use(defaultHeaders);
  }

  override initHttpServer(options: NestApplicationOptions): void {
    if (options.httpsOptions) return super.initHttpServer(options);
    this.httpServer = createServer(
      { requestTimeout: this.requestTimeoutMs, headersTimeout: this.requestTimeoutMs, connectionsCheckingInterval: Math.min(1_000, this.requestTimeoutMs) },
      this.getInstance(),
    );
  }
}
