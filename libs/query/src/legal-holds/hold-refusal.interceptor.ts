import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { catchError, throwError, type Observable } from 'rxjs';
import type { AuthenticatedRequest } from '../auth/jwt-auth.guard';
import { toErrorBody } from '../http/api-exception.filter';
import { LegalHoldService } from './legal-hold.service';

/**
 * Records a hold change refused after the token was verified — a role that may not, another
 * organization, a bad reason or window, an unknown or released hold — as a failed
 * `legal_hold.place` / `legal_hold.release` event of the requester's organization: an auditor
 * looks for attempts to release a hold as much as for releases.
 */
@Injectable()
export class HoldRefusalInterceptor implements NestInterceptor {
  constructor(private readonly holds: LegalHoldService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    return next.handle().pipe(
      catchError((error: unknown) => {
        const request = http.getRequest<AuthenticatedRequest>();
        const holdId = typeof request.params?.holdId === 'string' ? request.params.holdId : undefined;
        if (request.principal && !http.getResponse<Response>().destroyed) this.holds.refused(request.principal, holdId === undefined ? 'place' : 'release', holdId, toErrorBody(error));
        return throwError(() => error);
      }),
    );
  }
}
