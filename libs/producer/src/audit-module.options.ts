import type { AuditActor } from '@audit/contract';
import type { ExecutionContext, ModuleMetadata } from '@nestjs/common';
import type { AuditProducerOptions } from './audit-producer.options';

/** Who did it, for which tenant, in which request: what `@Audited` needs from each request. */
export interface AuditRequestContext {
  organizationId: string;
  actor: AuditActor;
  requestId?: string;
  sessionId?: string;
}

/**
 * Reads the audit context from a request. Return undefined when there is none (no authenticated
 * principal): the call is then not recorded, and the interceptor logs that it could not be.
 */
export type AuditContextResolver = (request: unknown, context: ExecutionContext) => AuditRequestContext | undefined;

export interface AuditModuleOptions extends AuditProducerOptions {
  /** Default: `defaultAuditContext` (request.user and the x-request-id header). */
  resolveContext?: AuditContextResolver;
  /** How long shutdown waits for unacknowledged events before reporting them lost. Default: the producer's `shutdownTimeoutMs`. */
  closeTimeoutMs?: number;
}

export interface AuditModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: Array<string | symbol | (abstract new (...args: never[]) => unknown)>;
  useFactory(...args: never[]): AuditModuleOptions | Promise<AuditModuleOptions>;
}

export const AUDIT_MODULE_OPTIONS = Symbol('AUDIT_MODULE_OPTIONS');
