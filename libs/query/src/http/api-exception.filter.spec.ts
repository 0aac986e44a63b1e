import { BadRequestException, Logger, NotFoundException, type ArgumentsHost } from '@nestjs/common';
import { lastValueFrom, type Observable } from 'rxjs';
import { invalidParameter } from './api-errors';
import { ApiExceptionFilter, toErrorBody } from './api-exception.filter';

/** What @clickhouse/client (and chDB's connection) throw: a message with the server's text, a code and a type. */
function clickHouseError(type: string, code: string): Error {
  return Object.assign(new Error(`Code: ${code}. DB::Exception: secret table audit.audit_events column actor_email … (${type})`), { code, type });
}

describe('toErrorBody', () => {
  it('should pass an API error through with its field and rule', () => {
    expect(toErrorBody(invalidParameter('limit', 'max', 'limit must not be greater than 1000'))).toEqual({
      statusCode: 400,
      code: 'invalid_parameter',
      field: 'limit',
      rule: 'max',
      message: 'limit must not be greater than 1000',
    });
  });

  it('should map a ClickHouse timeout to 504 without its text', () => {
    const body = toErrorBody(clickHouseError('TIMEOUT_EXCEEDED', '159'));
    expect(body).toMatchObject({ statusCode: 504, code: 'query_too_expensive' });
    expect(JSON.stringify(body)).not.toMatch(/DB::Exception|audit_events|actor_email/);
  });

  it('should map other ClickHouse errors to 503 without their text', () => {
    const body = toErrorBody(clickHouseError('UNKNOWN_TABLE', '60'));
    expect(body).toMatchObject({ statusCode: 503, code: 'storage_unavailable' });
    expect(JSON.stringify(body)).not.toMatch(/DB::Exception/);
  });

  it('should hide an unexpected error behind internal_error', () => {
    expect(toErrorBody(new TypeError('cannot read x of undefined'))).toEqual({ statusCode: 500, code: 'internal_error', message: 'an unexpected error occurred' });
  });

  it('should give Nest routing errors a stable code', () => {
    expect(toErrorBody(new NotFoundException())).toMatchObject({ statusCode: 404, code: 'not_found' });
  });
});

/** body-parser's errors are http-errors: a status, `expose: true`, a `type`, and the parser's own message. */
function bodyParserError(status: number, type: string, message: string): Error {
  return Object.assign(new Error(message), { status, statusCode: status, expose: true, type });
}

describe('toErrorBody for errors about the request itself', () => {
  it.each([
    [bodyParserError(413, 'entity.too.large', 'request entity too large'), 413, 'payload_too_large'],
    [bodyParserError(415, 'encoding.unsupported', 'unsupported content encoding "bogus"'), 415, 'unsupported_media_type'],
    [bodyParserError(415, 'charset.unsupported', 'unsupported charset "KLINGON"'), 415, 'unsupported_media_type'],
    [Object.assign(new Error('incorrect header check'), { status: 400, expose: true, code: 'Z_DATA_ERROR', errno: -3 }), 400, 'bad_request'],
    [new BadRequestException('Unexpected end of JSON input'), 400, 'bad_request'],
  ])('should answer %s with its status and a stable code, never the parser’s words', (error, statusCode, code) => {
    const body = toErrorBody(error);
    expect(body).toMatchObject({ statusCode, code });
    expect(body.message).not.toMatch(/JSON|bogus|KLINGON|header check|entity/);
  });

  it('should treat an error that says nothing of being exposable as internal', () => {
    expect(toErrorBody(Object.assign(new Error('secret'), { status: 400 }))).toMatchObject({ statusCode: 500, code: 'internal_error' });
  });
});

/** The part of an express Response the filter uses; `json` can be made to throw as Node does for a refused framing. */
function fakeResponse(state: { headersSent?: boolean; jsonThrows?: boolean; clientGone?: boolean } = {}) {
  const calls: string[] = [];
  const response = {
    headersSent: state.headersSent ?? false,
    writableEnded: false,
    writableFinished: false,
    destroyed: state.clientGone ?? false,
    removeHeader: (name: string) => calls.push(`remove ${name}`),
    status: (code: number) => (calls.push(`status ${code}`), response),
    json: (body: unknown) => {
      if (state.jsonThrows) throw Object.assign(new Error('Trailers are invalid with this transfer encoding'), { code: 'ERR_HTTP_TRAILER_INVALID' });
      calls.push(`json ${JSON.stringify(body)}`);
    },
    destroy: () => calls.push('destroy'),
  };
  return { response, calls };
}

const httpHost = (response: unknown) => ({ getType: () => 'http', switchToHttp: () => ({ getResponse: () => response }) }) as unknown as ArgumentsHost;

describe('ApiExceptionFilter', () => {
  const filter = new ApiExceptionFilter();
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['error', 'warn', 'log']));

  it('should drop the headers of the body it replaces and answer the error', () => {
    const { response, calls } = fakeResponse();
    filter.catch(invalidParameter('limit', 'max', 'too big'), httpHost(response));
    expect(calls).toEqual(expect.arrayContaining(['remove content-disposition', 'remove trailer', 'status 400']));
    expect(calls.at(-1)).toMatch(/^json .*invalid_parameter/);
  });

  it('should cut a response whose headers are already sent instead of writing into it', () => {
    const { response, calls } = fakeResponse({ headersSent: true });
    filter.catch(new Error('the second batch failed'), httpHost(response));
    expect(calls).toEqual(['destroy']);
  });

  it('should not log a read the client left as a server error: its query was cancelled on purpose', () => {
    const logged = jest.spyOn(Logger.prototype, 'error');
    const { response, calls } = fakeResponse({ clientGone: true });
    filter.catch(Object.assign(new Error('Query aborted (the underlying computation may still run to completion in the background)'), { code: '394', type: 'QUERY_WAS_CANCELLED' }), httpHost(response));
    filter.catch(new DOMException('This operation was aborted', 'AbortError'), httpHost(response));
    expect(logged).not.toHaveBeenCalled();
    expect(calls).toEqual(['destroy', 'destroy']);
    filter.catch(new Error('the engine failed'), httpHost(fakeResponse().response));
    expect(logged).toHaveBeenCalledTimes(1);
    logged.mockRestore();
  });

  it('should not throw when writing the error throws (a framing Node refuses), and cut the response', () => {
    const { response, calls } = fakeResponse({ jsonThrows: true });
    expect(() => filter.catch(new Error('ERR_HTTP_TRAILER_INVALID'), httpHost(response))).not.toThrow();
    expect(calls.at(-1)).toBe('destroy');
  });

  it('should hand an error of the ingest transport back to it, unchanged', async () => {
    const error = new Error('the insert failed');
    const host = { getType: () => 'rpc' } as unknown as ArgumentsHost;
    const result = filter.catch(error, host) as Observable<never>;
    await expect(lastValueFrom(result)).rejects.toBe(error);
  });
});
