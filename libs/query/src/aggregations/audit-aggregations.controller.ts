import { Get, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthenticatedRequest } from '../auth/jwt-auth.guard';
import { AuditLogReads } from '../audit-logs/audit-log-reads.decorator';
import { untilClientGone } from '../audit-logs/audit-logs.controller';
import { AuditLogsHistogramQueryDto, AuditLogsTopQueryDto } from './aggregations-query.dto';
import { AuditLogHistogramView, AuditLogTopView } from './aggregations-response.dto';
import { AuditAggregationsService } from './audit-aggregations.service';

@AuditLogReads()
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
