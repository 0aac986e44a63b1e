import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { HttpMetrics } from './http.metrics';

/** The path this middleware is mounted on. Express mounts it as a route, so an unmatched request still has it as `req.route`. */
export const EVERY_PATH = '{*path}';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Times every request until its response finished (streamed exports included) and labels it with
 * the matched route template. Unmatched URLs (404 probes, typos) share one `unmatched` label, so
 * scanners cannot grow the series count.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: HttpMetrics) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const started = performance.now();
    response.once('finish', () => {
      const template = (request.route as { path?: unknown } | undefined)?.path;
      const route = typeof template === 'string' && template !== `/${EVERY_PATH}` ? `${request.baseUrl}${template}` : 'unmatched';
      const method = METHODS.has(request.method) ? request.method : 'OTHER';
      this.metrics.observe(method, route, response.statusCode, (performance.now() - started) / 1000);
    });
    next();
  }
}
