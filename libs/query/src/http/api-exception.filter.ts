import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger, NotFoundException, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { throwError, type Observable } from 'rxjs';
import { allowedMethods } from './allowed-methods';
import { ApiError, type ApiErrorBody } from './api-errors';

/** Stable codes, and what the client is told, for the statuses Nest, Express and the body parser raise. */
const CLIENT_ERRORS: Record<number, { code: string; message: string }> = {
  400: { code: 'bad_request', message: 'the request could not be read: check its body, its encoding and its URL' },
  401: { code: 'unauthenticated', message: 'a bearer token is required' },
  403: { code: 'forbidden', message: 'this request is not allowed' },
  404: { code: 'not_found', message: 'no such endpoint' },
  405: { code: 'method_not_allowed', message: 'this endpoint does not take that method' },
  408: { code: 'request_timeout', message: 'the request was not received in time' },
  413: { code: 'payload_too_large', message: 'the request body is larger than this API accepts' },
  415: { code: 'unsupported_media_type', message: "the request body's Content-Encoding or charset is not supported" },
  429: { code: 'too_many_requests', message: 'too many requests; retry later' },
};

/** Headers describing a body that will not be sent once an error replaces it. */
const BODY_HEADERS = ['content-type', 'content-length', 'content-disposition', 'content-encoding', 'trailer'];

/** ClickHouse error types (from the server or chDB, same `ClickHouseError` shape) a user can fix by narrowing the query. */
const TOO_EXPENSIVE = new Set(['TIMEOUT_EXCEEDED', 'TOO_MANY_ROWS_OR_BYTES', 'MEMORY_LIMIT_EXCEEDED', 'TOO_MANY_ROWS', 'TOO_MANY_BYTES']);

function clickHouseErrorType(error: unknown): string | undefined {
  const candidate = error as { code?: unknown; type?: unknown };
  return typeof candidate?.code === 'string' && /^\d+$/.test(candidate.code) && typeof candidate.type === 'string' ? candidate.type : undefined;
}

/**
 * The 4xx status of an error a library raised about the request itself: body-parser's errors
 * (http-errors: a too large, undecodable or unparsable body) carry `status` and `expose: true`.
 */
function requestErrorStatus(error: unknown): number | undefined {
  const candidate = error as { status?: unknown; expose?: unknown };
  return error instanceof Error && candidate.expose === true && typeof candidate.status === 'number' && candidate.status >= 400 && candidate.status < 500 ? candidate.status : undefined;
}

/** The generic answer for a status raised outside the API's own code. */
function clientError(statusCode: number): ApiErrorBody {
  const known = CLIENT_ERRORS[statusCode];
  return { statusCode, code: known?.code ?? 'http_error', message: known?.message ?? 'the request was refused' };
}

/**
 * What the client sees for an error. The API's own errors keep their code and message; anything
 * else is told by its status only: a parser's, a library's, ClickHouse's or an internal message
 * never leaves the server.
 */
export function toErrorBody(error: unknown): ApiErrorBody {
  if (error instanceof ApiError) return error.body;
  if (error instanceof HttpException) {
    const statusCode = error.getStatus();
    // A module's deliberate error (the console's) carries its own stable code and message.
    const response = error.getResponse() as { code?: unknown; message?: unknown };
    if (typeof response === 'object' && typeof response.code === 'string' && typeof response.message === 'string') return { statusCode, code: response.code, message: response.message };
    return clientError(statusCode);
  }
  const requestStatus = requestErrorStatus(error);
  if (requestStatus !== undefined) return clientError(requestStatus);
  const type = clickHouseErrorType(error);
  if (type && TOO_EXPENSIVE.has(type)) {
    return {
      statusCode: type === 'TIMEOUT_EXCEEDED' ? HttpStatus.GATEWAY_TIMEOUT : HttpStatus.UNPROCESSABLE_ENTITY,
      code: 'query_too_expensive',
      message: 'the query exceeded its time, memory or size limit; narrow the filters or the time window',
    };
  }
  if (type) return { statusCode: HttpStatus.SERVICE_UNAVAILABLE, code: 'storage_unavailable', message: 'the audit log store could not answer; retry later' };
  return { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, code: 'internal_error', message: 'an unexpected error occurred' };
}

/**
 * Every error leaves as `{ statusCode, code, message, field? }`. Registered globally by
 * QueryModule so routing and body-parser errors get the same shape. Unexpected errors are logged
 * in full here and shown to the client only by their stable code. The filter itself never throws:
 * a response that cannot take an error any more (headers sent, socket gone, a framing Node
 * refuses) is cut, so the client sees an incomplete transfer and the process goes on.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('QueryApi');

  catch(error: unknown, host: ArgumentsHost): Observable<never> | void {
    // The all-in-one app shares its global filters with the ingest transport: its handler's own
    // error goes back to the transport, which retries the block.
    if (host.getType() !== 'http') return throwError(() => error);
    const response = host.switchToHttp().getResponse<Response>();
    // The client left before its answer (`untilClientGone` cancels its query, and a shared read's
    // last waiter leaving cancels that read): the abort that follows is the cancellation doing its
    // job, not a server fault, and there is nobody to answer.
    if (response.destroyed && !response.writableFinished) {
      this.logger.debug(`a request's client left before its answer: ${error instanceof Error ? error.message : String(error)}`);
      response.destroy();
      return;
    }
    try {
      const body = withAllowedMethods(toErrorBody(error), error, host, response);
      if (body.statusCode >= 500) this.logger.error(describe(error));
      // A streamed export that fails midway cannot change its status any more: cut the body so the
      // client sees an incomplete transfer (no trailers) instead of a file that looks complete.
      if (response.headersSent || response.writableEnded || response.destroyed) {
        response.destroy();
        return;
      }
      for (const name of BODY_HEADERS) response.removeHeader(name);
      response.status(body.statusCode).json(body);
    } catch (failure) {
      this.logger.error(`an error response could not be written (${describe(failure)}) for: ${describe(error)}`);
      response.destroy();
    }
  }
}

/**
 * The router's 404 (no route matched the method and path; a handler's own 404 has `request.route`)
 * becomes a 405 with `Allow` when a route has this path under other methods (RFC 9110 §15.5.6), so a
 * client tells a wrong method from a wrong path.
 */
function withAllowedMethods(body: ApiErrorBody, error: unknown, host: ArgumentsHost, response: Response): ApiErrorBody {
  if (body.statusCode !== HttpStatus.NOT_FOUND || !(error instanceof NotFoundException)) return body;
  const request = host.switchToHttp().getRequest<Request>();
  if (request.route !== undefined) return body;
  const methods = allowedMethods(request);
  if (methods.length === 0) return body;
  response.setHeader('Allow', methods.join(', '));
  return clientError(HttpStatus.METHOD_NOT_ALLOWED);
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
