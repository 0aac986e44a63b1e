import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { forbidden, unauthenticated } from '../http/api-errors';
import { ReadAuditTrail } from '../audit-trail/read-audit.trail';
import { recordRefusal } from '../audit-trail/read-refusal.interceptor';
import type { Principal, Role } from './principal';
import { TokenVerifier } from './token.verifier';

/** Roles that may read an audit log: their organization's (owner, admin) or any (security). */
const READ_ROLES: ReadonlySet<Role> = new Set(['owner', 'admin', 'security']);

export interface AuthenticatedRequest extends Request {
  principal: Principal;
}

/** No or malformed credentials: 401. A valid token of a role that may not read: 403, recorded as a refused read. */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly trail: ReadAuditTrail,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const match = /^Bearer ([^\s]+)$/i.exec(request.headers.authorization ?? '');
    if (!match) throw unauthenticated('a bearer token is required');
    request.principal = await this.verifier.verify(match[1]);
    if (!READ_ROLES.has(request.principal.role)) {
      const refusal = forbidden('only owners and admins may read the audit log of their organization');
      recordRefusal(this.trail, request, refusal);
      throw refusal;
    }
    return true;
  }
}
