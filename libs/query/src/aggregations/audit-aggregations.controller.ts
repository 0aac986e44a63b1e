import { Controller, Get, Query, Req, Res, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ReadRefusalInterceptor } from '../audit-trail/read-refusal.interceptor';
import { JwtAuthGuard, type AuthenticatedRequest } from '../auth/jwt-auth.guard';
import { queryValidationPipe } from '../http/query-validation.pipe';
import { untilClientGone } from '../audit-logs/audit-logs.controller';
import { ApiErrorView } from '../audit-logs/audit-logs-response.dto';
import { AuditLogsHistogramQueryDto, AuditLogsTopQueryDto } from './aggregations-query.dto';
import { AuditLogHistogramView, AuditLogTopView } from './aggregations-response.dto';
import { AuditAggregationsService } from './audit-aggregations.service';

@ApiTags('audit logs')
@ApiBearerAuth()
@ApiResponse({ status: 400, description: 'A parameter broke a rule (`field`, `rule`; `position` for a search).', type: ApiErrorView })
@ApiResponse({ status: 401, description: 'No token (`unauthenticated`), or a bad or expired one (`invalid_token`).', type: ApiErrorView })
@ApiResponse({ status: 403, description: 'The role may not read this log (`forbidden`).', type: ApiErrorView })
@Controller('v1/audit-logs')
@UseGuards(JwtAuthGuard)
@UseInterceptors(ReadRefusalInterceptor)
@UsePipes(queryValidationPipe())
export class AuditAggregationsController {
  constructor(private readonly service: AuditAggregationsService) {}

  @Get('histogram')
  @ApiOperation({ summary: 'Events per time bucket for the filters (the bars above the Auditing table); each event counted once.' })
  @ApiOkResponse({ type: AuditLogHistogramView })
  async histogram(@Req() request: AuthenticatedRequest, @Query() query: AuditLogsHistogramQueryDto, @Res({ passthrough: true }) response: Response): Promise<string> {
    const json = await this.service.histogram(request.principal, query, untilClientGone(response).signal);
    response.type('application/json');
    return json;
  }

  @Get('top')
  @ApiOperation({
    summary: 'The most frequent actors, resources, IPs or actions for the filters, with counts and distinct actors.',
    description:
      'Who touched a record: `by=actor&resourceType=Patient&resourceId=…` (or `q=resource.type:Patient resource.id:…`). ' +
      'Which records many people touched: `by=resource` (`actors` is the distinct actors per resource). Each event is counted once.',
  })
  @ApiOkResponse({ type: AuditLogTopView })
  async top(@Req() request: AuthenticatedRequest, @Query() query: AuditLogsTopQueryDto, @Res({ passthrough: true }) response: Response): Promise<string> {
    const json = await this.service.top(request.principal, query, untilClientGone(response).signal);
    response.type('application/json');
    return json;
  }
}
