import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrorView } from '../audit-logs/audit-logs-response.dto';
import { JwtAuthGuard, type AuthenticatedRequest } from '../auth/jwt-auth.guard';
import { ReadRefusalInterceptor } from '../audit-trail/read-refusal.interceptor';
import { queryValidationPipe } from '../http/query-validation.pipe';
import { HoldRefusalInterceptor } from './hold-refusal.interceptor';
import { LegalHoldsQueryDto, LegalHoldView, PlaceLegalHoldDto, ReleaseLegalHoldDto } from './legal-hold.dto';
import { LegalHoldService } from './legal-hold.service';

const ROLES = 'Owners for their organization; the security role for the organization it names with `organizationId`.';

@ApiTags('legal holds')
@ApiBearerAuth()
@ApiResponse({ status: 400, description: 'A parameter broke a rule (`field`, `rule`).', type: ApiErrorView })
@ApiResponse({ status: 401, description: 'No token, or a bad or expired one.', type: ApiErrorView })
@ApiResponse({ status: 403, description: 'The role may not do this (`forbidden`).', type: ApiErrorView })
@ApiResponse({ status: 503, description: 'The change is stored but its audit event was not acknowledged (`audit_unavailable`).', type: ApiErrorView })
@Controller('v1/legal-holds')
@UseGuards(JwtAuthGuard)
@UsePipes(queryValidationPipe())
export class LegalHoldController {
  constructor(private readonly service: LegalHoldService) {}

  @Post()
  @HttpCode(201)
  @UseInterceptors(HoldRefusalInterceptor)
  @ApiOperation({
    summary: 'Places a legal hold: retention removes none of the held events until it is released.',
    description:
      `${ROLES} The hold keeps the first chain link whose event occurred in [from, to) and every later link (no window: every event), ` +
      'so the chain stays verifiable; it may therefore keep events outside its window. Recorded as an audit event (`legal_hold.place`; a refused attempt as a failed one).',
  })
  @ApiCreatedResponse({ type: LegalHoldView })
  place(@Req() request: AuthenticatedRequest, @Body() body: PlaceLegalHoldDto): Promise<LegalHoldView> {
    return this.service.place(request.principal, body);
  }

  @Get()
  @UseInterceptors(ReadRefusalInterceptor)
  @ApiOperation({ summary: "The organization's legal holds (active ones unless `status=all`), newest first.", description: 'Owners and admins: their organization; security: `organizationId`. Audited as a read.' })
  @ApiOkResponse({ type: [LegalHoldView] })
  list(@Req() request: AuthenticatedRequest, @Query() query: LegalHoldsQueryDto): Promise<LegalHoldView[]> {
    return this.service.list(request.principal, query);
  }

  @Post(':holdId/release')
  @HttpCode(200)
  @UseInterceptors(HoldRefusalInterceptor)
  @ApiOperation({
    summary: 'Releases a legal hold: its events expire again by the retention rule (at the expiry job’s next round).',
    description: `${ROLES} Recorded as an audit event (\`legal_hold.release\`). 404 \`not_found\`: no such hold; 409 \`already_released\`.`,
  })
  @ApiParam({ name: 'holdId', format: 'uuid' })
  @ApiOkResponse({ type: LegalHoldView })
  @ApiResponse({ status: 404, description: 'The organization has no such hold (`not_found`).', type: ApiErrorView })
  @ApiResponse({ status: 409, description: 'The hold was released already (`already_released`).', type: ApiErrorView })
  release(@Req() request: AuthenticatedRequest, @Param('holdId') holdId: string, @Body() body: ReleaseLegalHoldDto): Promise<LegalHoldView> {
    return this.service.release(request.principal, holdId, body);
  }
}
