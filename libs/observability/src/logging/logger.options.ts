import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stdTimeFunctions } from 'pino';
import type { Options } from 'pino-http';
import type { ObservabilityConfig } from '../observability.config';

const REQUEST_ID_HEADER = 'x-request-id';
/** A caller's request id is kept only if it looks like an id: no log injection through it. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function requestId(request: IncomingMessage, response: ServerResponse): string {
  const incoming = request.headers[REQUEST_ID_HEADER];
  const id = typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  response.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/**
 * JSON lines through pino-http: one line per request with its id, method, path (without the query
 * string, which can hold actor emails), status and duration. Headers, bodies and tokens are never
 * serialized. (Scrapes and health probes go to the operations listener, which logs nothing.)
 */
export function pinoHttpOptions(app: string, config: ObservabilityConfig): Options {
  return {
    level: config.LOG_LEVEL,
    base: { app },
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    genReqId: requestId,
    customLogLevel: (_request, response, error) => (error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info'),
    serializers: {
      req: (request: { id?: unknown; method?: string; url?: string }) => ({ id: request.id, method: request.method, path: (request.url ?? '').split('?')[0] }),
      res: (response: { statusCode?: number }) => ({ statusCode: response.statusCode }),
    },
  };
}
