import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { jwtVerify } from 'jose';
import { QueryConfig } from '../query.config';
import type { Principal, Role } from './principal';

const READ_ROLES: ReadonlySet<Role> = new Set(['owner', 'admin', 'security']);

export interface AuthenticatedRequest extends Request {
  principal: Principal;
}

/** Verifies the bearer token and admits roles that may read an organization's audit log. */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly secret: Uint8Array;

  constructor(config: QueryConfig) {
    this.secret = new TextEncoder().encode(config.AUTH_JWT_SECRET);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const [scheme, token] = (request.headers.authorization ?? '').split(' ');
    if (scheme !== 'Bearer' || !token) throw new UnauthorizedException({ code: 'unauthenticated', message: 'a bearer token is required' });
    let claims: Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(token, this.secret, { algorithms: ['HS256'] }));
    } catch {
      throw new UnauthorizedException({ code: 'invalid_token', message: 'the bearer token is invalid or expired' });
    }
    const role = claims.role as Role;
    if (typeof claims.sub !== 'string' || typeof claims.org !== 'string' || typeof role !== 'string') {
      throw new UnauthorizedException({ code: 'invalid_token', message: 'the token lacks sub, org or role' });
    }
    if (!READ_ROLES.has(role)) throw new ForbiddenException({ code: 'forbidden', message: 'only owners and admins may read the audit log' });
    request.principal = { subject: claims.sub, email: typeof claims.email === 'string' ? claims.email : undefined, organizationId: claims.org, role };
    return true;
  }
}
