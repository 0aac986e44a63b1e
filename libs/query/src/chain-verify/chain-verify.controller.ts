import { Controller, Get, Query, Req, Res, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { untilClientGone } from '../audit-logs/audit-logs.controller';
import { ApiErrorView } from '../audit-logs/audit-logs-response.dto';
import { ReadRefusalInterceptor } from '../audit-trail/read-refusal.interceptor';
import { JwtAuthGuard, type AuthenticatedRequest } from '../auth/jwt-auth.guard';
import { queryValidationPipe } from '../http/query-validation.pipe';
import { HeavyRead } from '../limits/heavy-read.guard';
import { ChainVerifyQueryDto } from './chain-verify-query.dto';
import { ChainReportView } from './chain-verify-response.dto';
import { ChainVerifyService } from './chain-verify.service';

@ApiTags('audit logs')
@ApiBearerAuth()
@ApiResponse({ status: 400, description: 'A parameter broke a rule (`field`, `rule`).', type: ApiErrorView })
@ApiResponse({ status: 401, description: 'No token, or a bad or expired one.', type: ApiErrorView })
@ApiResponse({ status: 403, description: 'The role may not read this log (`forbidden`).', type: ApiErrorView })
@Controller('v1/audit-logs')
@UseGuards(JwtAuthGuard)
@UseInterceptors(ReadRefusalInterceptor)
@UsePipes(queryValidationPipe())
export class ChainVerifyController {
  constructor(private readonly service: ChainVerifyService) {}

  @Get('verify')
  @ApiOperation({
    summary: "Recomputes the organization's hash chain and reports `ok` or the first broken link.",
    description:
      'Checks every link whose event occurred in [from, to) plus the link before it (no window: the whole retained chain), ' +
      'starting after the newest signed expiry statement (links 1…N expired and removed by retention; link N+1 must chain from the hash it signed), ' +
      'and, up to the newest stored link, compares against the newest signed checkpoint and the ingester’s head record, so ' +
      'deleted newest rows show as `truncated`. Always 200 with the report; `status` says ok or broken. At most ' +
      'QUERY_VERIFY_MAX_ROWS links per call (`complete: false`, `nextSeq`); the `audit verify` CLI has no cap. At most ' +
      'QUERY_VERIFY_MAX_CONCURRENT_PER_TENANT verifications of one organization (QUERY_VERIFY_MAX_CONCURRENT in all) run at once: ' +
      'one more is answered 429 with `Retry-After`.',
  })
  @ApiOkResponse({ type: ChainReportView })
  @HeavyRead('verify')
  verify(@Req() request: AuthenticatedRequest, @Query() query: ChainVerifyQueryDto, @Res({ passthrough: true }) response: Response) {
    return this.service.verify(request.principal, query, untilClientGone(response).signal);
  }
}
