import { compileDtoValidator } from '@audit/contract';
import type { ArgumentMetadata } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, type ValidationError } from 'class-validator';
import { AuditLogsHistogramQueryDto, AuditLogsTopQueryDto } from '../aggregations/aggregations-query.dto';
import { AuditLogsExportQueryDto, AuditLogsFilterDto, AuditLogsListQueryDto } from '../audit-logs/audit-logs-query.dto';
import { ChainVerifyQueryDto } from '../chain-verify/chain-verify-query.dto';
import { RetentionQueryDto } from '../evidence/evidence.dto';
import { LegalHoldsQueryDto } from '../legal-holds/legal-hold.dto';
import { AuditLogsStreamQueryDto, AuditLogsTailQueryDto } from '../tail/tail-query.dto';
import { ApiError } from './api-errors';
import { queryValidationPipe } from './query-validation.pipe';

type Dto = new () => object;

const DTOS: Dto[] = [
  AuditLogsFilterDto,
  AuditLogsListQueryDto,
  AuditLogsExportQueryDto,
  AuditLogsHistogramQueryDto,
  AuditLogsTopQueryDto,
  AuditLogsTailQueryDto,
  AuditLogsStreamQueryDto,
  ChainVerifyQueryDto,
  LegalHoldsQueryDto,
  RetentionQueryDto,
];

/** What a query string may carry for one name: single values (valid, invalid, edge) and repeats. */
const VALUES: Array<string | string[]> = [
  '', ' ', '0', '1', '-1', '1.5', '1e3', '50', '1000', '1001', '5000', 'NaN', 'Infinity', '0x10', 'abc', 'true', 'false', 'TRUE',
  'csv', 'ndjson', 'xml', 'success', 'failure', 'auto', 'hour', 'day', 'active', 'released',
  'Member', 'member', 'role.change', 'ROLE', 'ada@example.com', 'org_1', 'org 1', 'org/1', '203.0.113.7', '2001:db8::1', '999.1.1.1',
  '2026-09-01', '2026-09-01T00:00:00Z', '2026-13-01', '2026-09-01T25:00:00Z', 'actor:ada action:role.* -status:success',
  'x'.repeat(129), 'x'.repeat(300), 'y'.repeat(1025), 'y'.repeat(2000), '\u0000', 'a\nb', '😀'.repeat(100),
  ['Member', 'Session'], ['Member', 'member'], ['1', '2'], ['', ''], Array.from({ length: 51 }, () => 'Member'), ['true', 'false'],
];

function declared(dto: Dto): string[] {
  return [...new Set(getMetadataStorage().getTargetValidationMetadatas(dto, '', false, false).map((rule) => rule.propertyName))];
}

/** class-validator's verdict with the options the pipe used before: the first rule of the first error, depth first. */
function reference(dto: Dto, value: object): { field: string; rule: string; message: string } | undefined {
  const first = (errors: ValidationError[], prefix = ''): { field: string; rule: string; message: string } | undefined => {
    for (const error of errors) {
      const field = prefix ? `${prefix}.${error.property}` : error.property;
      const [rule, message] = Object.entries(error.constraints ?? {})[0] ?? [];
      if (rule && message) return { field, rule, message };
      const nested = first(error.children ?? [], field);
      if (nested) return nested;
    }
    return undefined;
  };
  return first(validateSync(plainToInstance(dto, value), { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true }));
}

const pipe = queryValidationPipe();
const parsed = (entries: Record<string, string | string[]>) => Object.assign(Object.create(null) as Record<string, string | string[]>, entries);

async function verdict(dto: Dto, value: object) {
  try {
    const instance = await pipe.transform(value, { type: 'query', metatype: dto } as ArgumentMetadata);
    return { accepted: instance };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const { field, rule, message } = error.body;
    return { refused: { field, rule, message } };
  }
}

describe('queryValidationPipe against class-validator', () => {
  it.each(DTOS.map((dto) => [dto.name, dto] as const))(
    'should accept, convert and refuse %s query strings exactly as class-validator does (field, rule and message of the first broken rule)',
    async (_name, dto) => {
      const names = declared(dto);
      const cases: Array<Record<string, string | string[]>> = [{}];
      for (const name of names) for (const value of VALUES) cases.push({ [name]: value });
      // Two parameters at once: the first broken rule in declaration order is the one named.
      for (const [index, name] of names.entries()) {
        const other = names[(index + 1) % names.length];
        if (other !== name) for (const value of VALUES.slice(0, 20)) cases.push({ [other]: value, [name]: 'x'.repeat(2000) });
      }
      for (const entries of cases) {
        const expected = reference(dto, parsed(entries));
        const actual = await verdict(dto, parsed(entries));
        if (expected) expect({ entries, ...actual }).toEqual({ entries, refused: expected });
        else expect({ entries, accepted: actual.accepted }).toEqual({ entries, accepted: plainToInstance(dto, parsed(entries)) });
      }
    },
  );

  it.each(DTOS.map((dto) => [dto.name, dto] as const))('should check %s with a compiled validator, not the slower class-validator fallback', (_name, dto) => {
    expect(() => compileDtoValidator(dto)).not.toThrow();
  });

  it('should hand the handler an instance of the DTO with its defaults and conversions', async () => {
    const { accepted } = await verdict(AuditLogsListQueryDto, parsed({ resourceType: 'Member', limit: '7' }));
    expect(accepted).toBeInstanceOf(AuditLogsListQueryDto);
    expect(accepted).toEqual(Object.assign(new AuditLogsListQueryDto(), { resourceType: ['Member'], limit: 7 }));
  });
});
