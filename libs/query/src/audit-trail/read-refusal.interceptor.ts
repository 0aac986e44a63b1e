import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { catchError, throwError, type Observable } from 'rxjs';
import type { AuthenticatedRequest } from '../auth/jwt-auth.guard';
import { toErrorBody } from '../http/api-exception.filter';
import { ReadAuditTrail } from './read-audit.trail';

/** The endpoint a request went to, as the read events name it (`list`, `facets`, `export`, `verify`, `retention`…). */
function endpointOf(request: AuthenticatedRequest): string {
  const last = (request.route as { path?: string } | undefined)?.path?.split('/').pop() ?? request.path.split('/').pop();
  return !last || last === 'audit-logs' ? 'list' : last;
}

/**
 * Records a read that ends in an error after its token was verified (a refused filter or cursor,
 * a forbidden organization or role, a failed or unaudited read): what an auditor would look for
 * next to the reads that were served. 401s carry no verified tenant to file them under: they are
 * only in the request log and `audit_http_request_duration_seconds{status_code="401"}`.
 */
export function recordRefusal(trail: ReadAuditTrail, request: AuthenticatedRequest, error: unknown): void {
  const { principal } = request;
  if (!principal) return;
  const body = toErrorBody(error);
  const endpoint = endpointOf(request);
  const requested = request.query?.organizationId;
  trail.refused(principal, endpoint === 'export' ? 'export' : 'view', `${body.code}: ${body.message}`, {
    endpoint,
    statusCode: body.statusCode,
    code: body.code,
    field: body.field,
    rule: body.rule,
    requestedOrganizationId: typeof requested === 'string' ? requested : undefined,
  });
}

/** {@link recordRefusal} for the errors of a controller's handlers (pipes included). */
@Injectable()
export class ReadRefusalInterceptor implements NestInterceptor {
  constructor(private readonly trail: ReadAuditTrail) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    return next.handle().pipe(
      catchError((error: unknown) => {
        // A client that left is not refused: its query was cancelled on purpose.
        if (!http.getResponse<Response>().destroyed) recordRefusal(this.trail, http.getRequest<AuthenticatedRequest>(), error);
        return throwError(() => error);
      }),
    );
  }
}
