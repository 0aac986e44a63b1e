import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import type { AuditEvent } from '@audit/contract';
import { JwtAuthGuard, type AuthenticatedRequest } from '../auth/jwt-auth.guard';
import { AuditLogsService } from './audit-logs.service';

@Controller('v1/audit-logs')
@UseGuards(JwtAuthGuard)
export class AuditLogsController {
  constructor(private readonly service: AuditLogsService) {}

  @Get()
  list(@Req() request: AuthenticatedRequest): Promise<{ data: AuditEvent[]; nextCursor: string | null; prevCursor: string | null }> {
    return this.service.list(request.principal);
  }
}
