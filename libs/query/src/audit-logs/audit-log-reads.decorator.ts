import { applyDecorators, Controller, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ReadRefusalInterceptor } from '../audit-trail/read-refusal.interceptor';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import { queryValidationPipe } from '../http/query-validation.pipe';
import { ApiErrorView } from './audit-logs-response.dto';

/**
 * A controller of reads under `/v1/audit-logs`: bearer JWT, refused reads recorded in the trail,
 * query parameters validated (unknown ones refused), the shared error answers documented.
 */
export const AuditLogReads = () =>
  applyDecorators(
    ApiTags('audit logs'),
    ApiBearerAuth(),
    ApiResponse({ status: 400, description: 'A parameter broke a rule (`field`, `rule`; `position` for a syntax error in `q`).', type: ApiErrorView }),
    ApiResponse({ status: 401, description: 'No token (`unauthenticated`), or a bad or expired one (`invalid_token`).', type: ApiErrorView }),
    ApiResponse({ status: 403, description: 'The role may not read this log (`forbidden`).', type: ApiErrorView }),
    Controller('v1/audit-logs'),
    UseGuards(JwtAuthGuard),
    UseInterceptors(ReadRefusalInterceptor),
    UsePipes(queryValidationPipe()),
  );
