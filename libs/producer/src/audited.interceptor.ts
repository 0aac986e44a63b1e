import { CONTROL_CHARACTERS, LIMITS } from '@audit/contract';
import { Inject, Injectable, Logger, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { tap, type Observable } from 'rxjs';
import { AUDIT_MODULE_OPTIONS, type AuditModuleOptions } from './audit-module.options';
import { defaultAuditContext } from './audit-request-context.resolver';
import { AuditProducer } from './audit.producer';
import { AUDITED_METADATA, type AuditedCall, type AuditedOptions, type ResourceIdSource } from './audited.options';

const CONTROL_GLOBAL = new RegExp(CONTROL_CHARACTERS.source, 'g');

interface HttpRequest {
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
}

/** Applied by `@Audited(...)`; records the outcome of the call after the handler has run. */
@Injectable()
export class AuditedInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Audited');

  constructor(
    private readonly reflector: Reflector,
    private readonly producer: AuditProducer,
    @Inject(AUDIT_MODULE_OPTIONS) private readonly options: AuditModuleOptions,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const audited = this.reflector.get<AuditedOptions | undefined>(AUDITED_METADATA, context.getHandler());
    if (!audited || context.getType() !== 'http') return next.handle();
    let recorded = false;
    const once = (status: 'success' | 'failure', result: unknown, error?: unknown) => {
      if (recorded) return;
      recorded = true;
      this.record(audited, context, status, result, error);
    };
    return next.handle().pipe(
      tap({
        next: (result) => once('success', result),
        complete: () => once('success', undefined),
        error: (error) => once('failure', undefined, error),
      }),
    );
  }

  private record(audited: AuditedOptions, context: ExecutionContext, status: 'success' | 'failure', result: unknown, error: unknown): void {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const where = `${context.getClass().name}.${context.getHandler().name}`;
    try {
      const audit = (this.options.resolveContext ?? defaultAuditContext)(request, context);
      if (!audit) {
        this.logger.error(`${where}: no audit context (organization and actor) on the request; ${audited.action} ${audited.resourceType} was not recorded`);
        return;
      }
      const call: AuditedCall = { params: request.params ?? {}, query: request.query ?? {}, body: request.body, result, request };
      const resourceId = resolve(audited.resourceId, call);
      const resourceName = audited.resourceName === undefined ? undefined : resolve(audited.resourceName, call);
      void this.producer.record({
        ...audit,
        action: audited.action,
        // A call that failed before its resource existed (a refused create) still gets a row.
        resource: { type: audited.resourceType, id: resourceId ?? 'unknown', ...(resourceName && { name: resourceName.slice(0, LIMITS.resourceNameLength) }) },
        status,
        ...(status === 'failure' && { reason: reasonOf(error) }),
      });
    } catch (recordError) {
      // Invalid decorator options or a full buffer (reject policy): loud, but the response stands.
      this.logger.error(`${where}: the audit event was not recorded: ${(recordError as Error).message}`);
    }
  }
}

function resolve(source: ResourceIdSource, call: AuditedCall): string | undefined {
  const value = typeof source === 'function' ? source(call) : source.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], call);
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(CONTROL_GLOBAL, ' ').slice(0, LIMITS.reasonLength);
}
