import { Injectable, type NestMiddleware } from '@nestjs/common';

interface DevRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: { sub: string; org: string; email?: string };
}

/**
 * Stands in for your real authentication: takes the principal from `x-user-id`, `x-org-id` and
 * `x-user-email`. In a product service, your auth guard sets `request.user` from the verified
 * token, and `defaultAuditContext` reads it from there (`sub`/`id`, `org`/`organizationId`, `email`).
 */
@Injectable()
export class DevPrincipalMiddleware implements NestMiddleware {
  use(request: DevRequest, _response: unknown, next: () => void): void {
    const [sub, org, email] = ['x-user-id', 'x-org-id', 'x-user-email'].map((name) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value[0] : value;
    });
    if (sub && org) request.user = { sub, org, ...(email && { email }) };
    next();
  }
}
