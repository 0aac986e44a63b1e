import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { invalidParameter } from './api-errors';

/** The first broken rule, depth first: a 400 names one field and one rule. */
function firstViolation(errors: ValidationError[], prefix = ''): { field: string; rule: string; message: string } | undefined {
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const [rule, message] = Object.entries(error.constraints ?? {})[0] ?? [];
    if (rule && message) {
      return rule === 'whitelistValidation'
        ? { field, rule: 'unknownParameter', message: `${field} is not a parameter of this endpoint` }
        : { field, rule, message };
    }
    const nested = firstViolation(error.children ?? [], field);
    if (nested) return nested;
  }
  return undefined;
}

/**
 * Validates query strings against the DTOs: converts types, rejects unknown parameters, and turns
 * the first violation into `{ statusCode: 400, code: 'invalid_parameter', field, rule, message }`.
 */
export function queryValidationPipe(): ValidationPipe {
  return new ValidationPipe({
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
