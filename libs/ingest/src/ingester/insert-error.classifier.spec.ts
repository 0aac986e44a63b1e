import { insertErrorCode, isRetryableInsertError } from './insert-error.classifier';

describe('insert error classification', () => {
  it('should treat a row the server cannot parse as permanent', () => {
    expect(isRetryableInsertError({ code: '376', type: 'CANNOT_PARSE_UUID', message: 'Cannot parse uuid' })).toBe(false);
  });

  it("should read the code from chDB's raw insert message", () => {
    const error = new Error('Code: 27. DB::Exception: Cannot parse input: expected \'"\' (CANNOT_PARSE_INPUT_ASSERTION_FAILED)');
    expect(insertErrorCode(error)).toEqual({ code: 27, type: 'CANNOT_PARSE_INPUT_ASSERTION_FAILED' });
    expect(isRetryableInsertError(error)).toBe(false);
  });

  it.each([
    ['a detached table', new Error('Code: 60. DB::Exception: Table audit.audit_events does not exist. (UNKNOWN_TABLE)')],
    ['too many parts', { code: '252', type: 'TOO_MANY_PARTS', message: 'Too many parts' }],
    ['a timeout', { code: '159', type: 'TIMEOUT_EXCEEDED', message: 'Timeout exceeded' }],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' })],
  ])('should retry %s', (_what, error) => {
    expect(isRetryableInsertError(error)).toBe(true);
  });
});
