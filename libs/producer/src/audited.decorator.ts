import { SetMetadata, UseInterceptors, applyDecorators } from '@nestjs/common';
import { AuditedInterceptor } from './audited.interceptor';
import { AUDITED_METADATA, type AuditedOptions } from './audited.options';

/**
 * Records an audit event for every call of a controller method: `success` when it returns,
 * `failure` (with the error message as reason) when it throws. The actor, tenant and request id
 * come from the module's `resolveContext`. Recording never delays or changes the response.
 */
export function Audited(options: AuditedOptions): MethodDecorator {
  return applyDecorators(SetMetadata(AUDITED_METADATA, options), UseInterceptors(AuditedInterceptor));
}
