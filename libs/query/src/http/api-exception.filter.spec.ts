import { NotFoundException } from '@nestjs/common';
import { invalidParameter } from './api-errors';
import { toErrorBody } from './api-exception.filter';

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
