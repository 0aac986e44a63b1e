import { CONTROL_CHARACTERS, LIMITS } from '@audit/contract';
import { isIP } from 'node:net';
import type { AuditRequestContext } from './audit-module.options';

interface RequestLike {
  user?: Record<string, unknown>;
  headers?: Record<string, string | string[] | undefined>;
  ip?: string;
  id?: unknown;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** A header value made safe for the contract: first value, control characters removed, clipped. */
function headerText(value: string | string[] | undefined, max: number): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  const cleaned = first?.replace(new RegExp(CONTROL_CHARACTERS.source, 'g'), '').slice(0, max);
  return cleaned ? cleaned : undefined;
}

/**
 * The default resolver: the principal an auth guard put on `request.user` (`id` or `sub`,
 * `organizationId` or `org`, `email`, `name`), the client address and user agent, and the request
 * id from `request.id` (pino-http) or the `x-request-id` header. Services whose principal looks
 * different pass their own `resolveContext`.
 */
export function defaultAuditContext(request: unknown): AuditRequestContext | undefined {
  const { user, headers = {}, ip, id } = (request ?? {}) as RequestLike;
  const actorId = text(user?.id) ?? text(user?.sub);
  const organizationId = text(user?.organizationId) ?? text(user?.org);
  if (!actorId || !organizationId) return undefined;
  const userAgent = headerText(headers['user-agent'], LIMITS.userAgentLength);
  const requestId = text(id) ?? headerText(headers['x-request-id'], LIMITS.correlationIdLength);
  return {
    organizationId,
    actor: {
      id: actorId,
      type: 'user',
      ...(text(user?.name) && { name: text(user?.name) }),
      ...(text(user?.email) && { email: text(user?.email) }),
      ...(ip && isIP(ip) !== 0 && { ip }),
      ...(userAgent && { userAgent }),
    },
    ...(requestId && { requestId }),
  };
}
