import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { invalidParameter } from './api-errors';

/** The first broken rule, depth first: a 400 names one field and one rule. */
function firstViolation(errors: ValidationError[], prefix = ''): { field: string; rule: string; message: string } | undefined {
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const [rule, message] = Object.entries(error.constraints ?? {})[0] ?? [];
    if (rule && message) {
      return rule === 'whitelistValidation' ? unknownParameter(field) : { field, rule, message };
    }
    const nested = firstViolation(error.children ?? [], field);
    if (nested) return nested;
  }
  return undefined;
}

const unknownParameter = (field: string) => ({ field, rule: 'unknownParameter', message: `${field} is not a parameter of this endpoint` });

const parameterNames = new WeakMap<object, ReadonlySet<string>>();

/** The properties a DTO class declares rules for (its parents' included): the only parameters it takes. */
function declaredParameters(dto: new () => unknown): ReadonlySet<string> {
  let names = parameterNames.get(dto);
  if (!names) {
    names = new Set(getMetadataStorage().getTargetValidationMetadatas(dto, '', false, false).map((rule) => rule.propertyName));
    parameterNames.set(dto, names);
  }
  return names;
}

/**
 * Refuses a query parameter its DTO does not declare before anything reads it. class-validator's
 * whitelist looks names up in a plain object, so `constructor`, `toString`, `__proto__` or any
 * other name every object inherits passed as "known"; this allow-list holds the DTO's own
 * declared names only.
 */
class QueryValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'query' && metadata.data === undefined && metadata.metatype && typeof value === 'object' && value !== null) {
      const declared = declaredParameters(metadata.metatype as new () => unknown);
      const unknown = Object.keys(value).find((name) => !declared.has(name));
      if (unknown !== undefined) {
        const violation = unknownParameter(unknown);
        throw invalidParameter(violation.field, violation.rule, violation.message);
      }
    }
    return super.transform(value, metadata);
  }
}

/**
 * Validates query strings against the DTOs: converts types, rejects unknown parameters, and turns
 * the first violation into `{ statusCode: 400, code: 'invalid_parameter', field, rule, message }`.
 */
export function queryValidationPipe(): ValidationPipe {
  return new QueryValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    stopAtFirstError: true,
    exceptionFactory: (errors) => {
      const violation = firstViolation(errors) ?? { field: 'query', rule: 'invalid', message: 'the query string is invalid' };
      return invalidParameter(violation.field, violation.rule, violation.message);
    },
  });
}
