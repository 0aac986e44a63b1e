import { applyDecorators, Injectable, SetMetadata, UseGuards, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { finished } from 'node:stream';
import { ApiErrorView } from '../audit-logs/audit-logs-response.dto';
import type { AuthenticatedRequest } from '../auth/jwt-auth.guard';
import { tooManyRequests } from '../http/api-errors';
import { HeavyReadLimiter, type HeavyReadKind } from './heavy-read.limiter';
import { QueryLimitsConfig } from './query-limits.config';

const HEAVY_READ = 'audit:heavyRead';

/**
 * Takes a slot of the {@link HeavyReadLimiter} for the request's organization before the handler
 * runs, and holds it until the response is done or its client gone; no slot: 429 with
 * `Retry-After`. Runs after the authentication guard (the organization comes from the token).
 */
@Injectable()
export class HeavyReadGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly limiter: HeavyReadLimiter,
    private readonly limits: QueryLimitsConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const kind = this.reflector.get<HeavyReadKind>(HEAVY_READ, context.getHandler());
    const http = context.switchToHttp();
    const { principal } = http.getRequest<AuthenticatedRequest>();
    const response = http.getResponse<Response>();
    const slot = this.limiter.tryAcquire(kind, principal.organizationId);
    if ('refused' in slot) {
      response.setHeader('Retry-After', String(this.limits.QUERY_RETRY_AFTER_SECONDS));
      throw tooManyRequests(
        slot.refused === 'tenant' ? `your organization already runs as many ${kind}s at once as it may` : `this instance already runs as many ${kind}s at once as it may`,
        this.limits.QUERY_RETRY_AFTER_SECONDS,
      );
    }
    // Also called at once if the client is already gone.
    finished(response, () => slot.release());
    return true;
  }
}

/** A handler that runs only with a slot of its kind (see {@link HeavyReadGuard}); documented as such. */
export const HeavyRead = (kind: HeavyReadKind) =>
  applyDecorators(
    SetMetadata(HEAVY_READ, kind),
    UseGuards(HeavyReadGuard),
    ApiResponse({
      status: 429,
      description: `Too many ${kind}s running, for the organization or for the instance (\`too_many_requests\`); retry after the \`Retry-After\` header's seconds.`,
      type: ApiErrorView,
    }),
  );
