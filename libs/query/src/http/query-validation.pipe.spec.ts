import type { ArgumentMetadata } from '@nestjs/common';
import { AuditLogsExportQueryDto, AuditLogsListQueryDto } from '../audit-logs/audit-logs-query.dto';
import { ApiError } from './api-errors';
import { queryValidationPipe } from './query-validation.pipe';

const pipe = queryValidationPipe();
const query = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'query', metatype });

/** The parameters a query string parser hands over: an object without a prototype, like node:querystring's. */
const parsed = (entries: Record<string, string>) => Object.assign(Object.create(null) as Record<string, string>, entries);

async function refusal(value: object, metatype: ArgumentMetadata['metatype'] = AuditLogsListQueryDto) {
  try {
    await pipe.transform(value, query(metatype));
  } catch (error) {
    return (error as ApiError).body;
  }
  return undefined;
}

describe('queryValidationPipe', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__'])(
    'should refuse %s, a name every object inherits, as an unknown parameter naming it',
    async (name) => {
      const value = parsed({ limit: '5' });
      Object.defineProperty(value, name, { value: 'x', enumerable: true });
      expect(await refusal(value)).toEqual({ statusCode: 400, code: 'invalid_parameter', field: name, rule: 'unknownParameter', message: `${name} is not a parameter of this endpoint` });
    },
  );

  it('should refuse a parameter another endpoint takes (format on the list)', async () => {
    expect(await refusal(parsed({ format: 'csv' }))).toMatchObject({ field: 'format', rule: 'unknownParameter' });
  });

  it("should take every parameter the DTO or its parent declares, and convert them", async () => {
    const value = await pipe.transform(parsed({ format: 'ndjson', verified: 'true', actor: 'ada', resourceType: 'Member' }), query(AuditLogsExportQueryDto));
    expect(value).toMatchObject({ format: 'ndjson', verified: true, actor: 'ada', resourceType: ['Member'] });
  });

  it('should still name the field and the rule of a declared parameter with a bad value', async () => {
    expect(await refusal(parsed({ limit: '5000' }))).toMatchObject({ field: 'limit', rule: 'max' });
  });
});
