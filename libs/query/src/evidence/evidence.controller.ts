import { publicKeyPem, type SigningKey } from '@audit/integrity';
import { Controller, Get, Inject, Query, Req, Res, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ReadRefusalInterceptor } from '../audit-trail/read-refusal.interceptor';
import { JwtAuthGuard, type AuthenticatedRequest } from '../auth/jwt-auth.guard';
import { ApiErrorView } from '../audit-logs/audit-logs-response.dto';
import { queryValidationPipe } from '../http/query-validation.pipe';
import { RetentionQueryDto, RetentionView } from './evidence.dto';
import { EXPORT_SIGNING_KEY, requireSigningKey } from './export-signing.key';
import { RetentionService, type OrganizationRetentionView } from './retention.service';

/** Header naming the key of `GET /v1/audit-logs/public-key` (the `keyId` a verified export's manifest carries). */
export const KEY_ID_HEADER = 'X-Audit-Key-Id';

/** What an auditor needs besides the log itself: the key that verifies exports, and the retention in force. */
@ApiTags('audit logs')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'No token, or a bad or expired one.', type: ApiErrorView })
@ApiResponse({ status: 403, description: 'The role may not read this log.', type: ApiErrorView })
@Controller('v1/audit-logs')
@UseGuards(JwtAuthGuard)
@UsePipes(queryValidationPipe())
export class EvidenceController {
  constructor(
    private readonly retention: RetentionService,
    @Inject(EXPORT_SIGNING_KEY) private readonly key: SigningKey | null,
  ) {}

  @Get('public-key')
  @ApiOperation({
    summary: 'The Ed25519 public key (SPKI PEM) that verifies the manifests of verified exports.',
    description: `Save it for \`node scripts/verify-export.mjs FILE --public-key audit-public.pem\`. The \`${KEY_ID_HEADER}\` header is the key id manifests name.`,
  })
  @ApiProduces('application/x-pem-file')
  @ApiResponse({ status: 503, description: 'No signing key is configured (`signing_key_missing`).', type: ApiErrorView })
  publicKey(@Res() response: Response): void {
    const key = requireSigningKey(this.key);
    response.setHeader(KEY_ID_HEADER, key.keyId);
    response.setHeader('Content-Type', 'application/x-pem-file');
    response.setHeader('Content-Disposition', 'attachment; filename="audit-public.pem"');
    response.send(publicKeyPem(key));
  }

  @Get('retention')
  @UseInterceptors(ReadRefusalInterceptor)
  @ApiOperation({ summary: 'How long this organization’s audit events are kept, and the oldest one still stored.' })
  @ApiOkResponse({ type: RetentionView })
  @ApiResponse({ status: 400, description: 'The security role must name `organizationId`.', type: ApiErrorView })
  describeRetention(@Req() request: AuthenticatedRequest, @Query() query: RetentionQueryDto): Promise<OrganizationRetentionView> {
    return this.retention.describe(request.principal, query.organizationId);
  }
}
