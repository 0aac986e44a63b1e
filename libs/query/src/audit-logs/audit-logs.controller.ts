import { Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthenticatedRequest } from '../auth/jwt-auth.guard';
import { AuditLogReads } from './audit-log-reads.decorator';
import { AuditLogsExportQueryDto, AuditLogsFilterDto, AuditLogsListQueryDto } from './audit-logs-query.dto';
import { ApiErrorView, AuditLogFacetsView, AuditLogPageView } from './audit-logs-response.dto';
import { AuditLogsService } from './audit-logs.service';
import { HeavyRead } from '../limits/heavy-read.guard';
import { EXPORT_TRAILERS, writeExport, type ExportLimits } from './export.writer';

/** Injection token of the {@link ExportLimits} (stall timeout, longest export). */
export const EXPORT_LIMITS = Symbol('EXPORT_LIMITS');

/** Aborted when the client goes away before the response is finished: its query stops. */
export function untilClientGone(response: Response): AbortController {
  const abort = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) abort.abort();
  });
  return abort;
}

@AuditLogReads()
export class AuditLogsController {
  constructor(
    private readonly service: AuditLogsService,
    @Inject(EXPORT_LIMITS) private readonly limits: ExportLimits,
  ) {}

  @Get()
  @ApiOperation({ summary: 'One page of audit events, newest first; follow nextCursor / prevCursor for more.' })
  @ApiOkResponse({ type: AuditLogPageView })
  async list(
    @Req() request: AuthenticatedRequest,
    @Query() query: AuditLogsListQueryDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<string> {
    const json = await this.service.list(request.principal, query, untilClientGone(response).signal);
    // The page's JSON text as serialized once for every request that reuses it.
    response.type('application/json');
    return json;
  }

  @Get('facets')
  @ApiOperation({ summary: 'Counts by resource type, action and status for the filters.' })
  @ApiOkResponse({ type: AuditLogFacetsView })
  facets(@Req() request: AuthenticatedRequest, @Query() query: AuditLogsFilterDto, @Res({ passthrough: true }) response: Response) {
    return this.service.facets(request.principal, query, untilClientGone(response).signal);
  }

  @Get('export')
  @ApiOperation({
    summary: 'Every matching event as a CSV or NDJSON download, streamed (no row cap).',
    description:
      `Rows come in storage order: by organization, then oldest first. The body is chunked; after the last chunk the ` +
      `HTTP trailers \`${EXPORT_TRAILERS.rowCount}\` (rows written) and \`${EXPORT_TRAILERS.sha256}\` (hex SHA-256 of the ` +
      `body) let the receiver check it got everything. A transfer that ends without trailers is incomplete. Trailers need ` +
      `HTTP/1.1: an HTTP/1.0 client (nginx's default towards upstreams: set \`proxy_http_version 1.1\`) gets the same body, ` +
      `ended by the end of the connection, without them. An export whose client takes no byte for QUERY_EXPORT_STALL_TIMEOUT_MS, ` +
      `or that runs past QUERY_EXPORT_MAX_SECONDS, is cut (no trailers). At most QUERY_EXPORT_MAX_CONCURRENT_PER_TENANT exports ` +
      `of one organization (QUERY_EXPORT_MAX_CONCURRENT in all) run at once: one more is answered 429 with \`Retry-After\`. CSV cells that ` +
      `a spreadsheet would run as a formula (starting with = + - @, tab or CR) are prefixed with '. With \`verified=true\` ` +
      `(NDJSON), rows come in chain order (by organization, then chain_seq), each line is the event's canonical JSON plus ` +
      `chain_prev_hash and chain_hash, and the last line is {"manifest":…,"signature":…}, signed with the key of ` +
      `GET /v1/audit-logs/public-key: check the file offline with \`node scripts/verify-export.mjs FILE --public-key audit-public.pem\`.`,
  })
  @ApiProduces('text/csv', 'application/x-ndjson')
  @ApiOkResponse({ description: 'The file (Content-Disposition: attachment).' })
  @ApiResponse({ status: 503, description: 'verified=true but no signing key is configured (`signing_key_missing`).', type: ApiErrorView })
  @HeavyRead('export')
  async export(@Req() request: AuthenticatedRequest, @Query() query: AuditLogsExportQueryDto, @Res() response: Response): Promise<void> {
    const resolved = await this.service.startExport(request.principal, query);
    const abort = untilClientGone(response);
    const owner = resolved.scope === 'all' ? 'all-organizations' : resolved.scope.organizationId;
    const filename = `audit-log-${owner}-${new Date().toISOString().replace(/[:.]/g, '-')}${resolved.verified ? '-verified' : ''}`;
    try {
      await writeExport(response, this.service.exportBatches(resolved, abort.signal), resolved.encoder, filename, abort, this.limits);
    } catch (error) {
      // The client left, or was cut: its query was cancelled on purpose and nobody is there to answer.
      if (!abort.signal.aborted) throw error;
    }
  }
}
