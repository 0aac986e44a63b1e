import { HttpException, HttpStatus } from '@nestjs/common';

/** The body of every error response: a stable `code` for programs, a `message` for people. */
export interface ApiErrorBody {
  statusCode: number;
  code: string;
  message: string;
  /** The request field at fault (400), when one is. */
  field?: string;
  /** The rule that field broke (class-validator's constraint name, or ours). */
  rule?: string;
  /** Where in the field's text the rule was broken (a search query's offset, 0-based). */
  position?: number;
}

/** An error the API means to return, with its stable code; the exception filter renders it. */
export class ApiError extends HttpException {
  constructor(readonly body: ApiErrorBody) {
    super(body, body.statusCode);
  }
}

export const invalidParameter = (field: string, rule: string, message: string) =>
  new ApiError({ statusCode: HttpStatus.BAD_REQUEST, code: 'invalid_parameter', message, field, rule });

export const invalidSearch = (rule: string, position: number, message: string) =>
  new ApiError({ statusCode: HttpStatus.BAD_REQUEST, code: 'invalid_parameter', message, field: 'q', rule, position });

export const invalidCursor = (message: string) =>
  new ApiError({ statusCode: HttpStatus.BAD_REQUEST, code: 'invalid_cursor', message, field: 'cursor', rule: 'cursor' });

export const unauthenticated = (message: string) => new ApiError({ statusCode: HttpStatus.UNAUTHORIZED, code: 'unauthenticated', message });

export const invalidToken = (message: string) => new ApiError({ statusCode: HttpStatus.UNAUTHORIZED, code: 'invalid_token', message });

export const forbidden = (message: string, field?: string) =>
  new ApiError({ statusCode: HttpStatus.FORBIDDEN, code: 'forbidden', message, ...(field && { field }) });

export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  new ApiError({ statusCode: HttpStatus.TOO_MANY_REQUESTS, code: 'too_many_requests', message: `${message}; retry in ${retryAfterSeconds} s` });

export const notFound = (message: string, field?: string) =>
  new ApiError({ statusCode: HttpStatus.NOT_FOUND, code: 'not_found', message, ...(field && { field }) });

export const conflict = (code: string, message: string) => new ApiError({ statusCode: HttpStatus.CONFLICT, code, message });
