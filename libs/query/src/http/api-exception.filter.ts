import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { ApiError, type ApiErrorBody } from './api-errors';

/** Stable codes for the HTTP statuses Nest itself raises (unknown route, bad method…). */
const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  429: 'too_many_requests',
};

/** ClickHouse error types (from the server or chDB, same `ClickHouseError` shape) a user can fix by narrowing the query. */
const TOO_EXPENSIVE = new Set(['TIMEOUT_EXCEEDED', 'TOO_MANY_ROWS_OR_BYTES', 'MEMORY_LIMIT_EXCEEDED', 'TOO_MANY_ROWS', 'TOO_MANY_BYTES']);

function clickHouseErrorType(error: unknown): string | undefined {
  const candidate = error as { code?: unknown; type?: unknown };
  return typeof candidate?.code === 'string' && /^\d+$/.test(candidate.code) && typeof candidate.type === 'string' ? candidate.type : undefined;
}

/** What the client sees for an error; a ClickHouse or internal message never leaves the server. */
export function toErrorBody(error: unknown): ApiErrorBody {
  if (error instanceof ApiError) return error.body;
  if (error instanceof HttpException) {
    const statusCode = error.getStatus();
    return { statusCode, code: CODES[statusCode] ?? 'http_error', message: statusCode === 404 ? 'no such endpoint' : error.message };
  }
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
 * QueryModule so routing errors (404) get the same shape. Unexpected errors are logged in full
 * here and shown to the client only by their stable code.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('QueryApi');

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = toErrorBody(error);
    if (body.statusCode >= 500) this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    // A streamed export that fails midway cannot change its status any more: cut the body so the
    // client sees an incomplete transfer (no trailers) instead of a file that looks complete.
    if (response.headersSent) {
      response.destroy();
      return;
    }
    response.status(body.statusCode).json(body);
  }
}
