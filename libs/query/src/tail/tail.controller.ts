import { Controller, Get, Headers, Query, Req, Res, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { untilClientGone } from '../audit-logs/audit-logs.controller';
import { ApiErrorView } from '../audit-logs/audit-logs-response.dto';
import { ReadAuditTrail } from '../audit-trail/read-audit.trail';
import { ReadRefusalInterceptor } from '../audit-trail/read-refusal.interceptor';
import { JwtAuthGuard, type AuthenticatedRequest } from '../auth/jwt-auth.guard';
import { queryValidationPipe } from '../http/query-validation.pipe';
import { HeavyRead } from '../limits/heavy-read.guard';
import { QueryLimitsConfig } from '../limits/query-limits.config';
import { AuditLogsStreamQueryDto, AuditLogsTailQueryDto } from './tail-query.dto';
import { TailPageView } from './tail-response.dto';
import { TailHorizonWatcher } from './tail-horizon.watcher';
import { writeTailStream } from './tail-stream.writer';
import { TailService, type TailPage } from './tail.service';

const CURSOR_PROMISE =
  'Events come in order of arrival (per Kafka partition, by offset; across partitions, by the time they were stored), ' +
  'late ones included whatever their occurredAt. Following `next` from page to page shows every stored event that matches ' +
  'the filters exactly once: no gap, no copy (a re-sent identical event is shown where it was first stored).';

@ApiTags('audit logs')
@ApiBearerAuth()
@ApiResponse({ status: 400, description: 'A parameter broke a rule (`field`, `rule`), or the cursor is not one of these filters (`invalid_cursor`).', type: ApiErrorView })
@ApiResponse({ status: 401, description: 'No token (`unauthenticated`), or a bad or expired one (`invalid_token`).', type: ApiErrorView })
@ApiResponse({ status: 403, description: 'The role may not read this log (`forbidden`).', type: ApiErrorView })
@Controller('v1/audit-logs')
@UseGuards(JwtAuthGuard)
@UseInterceptors(ReadRefusalInterceptor)
@UsePipes(queryValidationPipe())
export class TailController {
  constructor(
    private readonly service: TailService,
    private readonly watcher: TailHorizonWatcher,
    private readonly trail: ReadAuditTrail,
    private readonly limits: QueryLimitsConfig,
  ) {}

  @Get('tail')
  @ApiOperation({
    summary: 'The events stored after a cursor, oldest first; poll again with `next`.',
    description:
      `${CURSOR_PROMISE} Without \`after\`, the tail starts at \`since\` (the first event stored at or after it) or, without ` +
      'it, at the newest position (an empty page whose `next` is where new events will appear). When nothing new is stored, ' +
      '`next` is the cursor that was sent; when `hasMore` is false, pause before the next poll.',
  })
  @ApiOkResponse({ type: TailPageView })
  tail(@Req() request: AuthenticatedRequest, @Query() query: AuditLogsTailQueryDto, @Res({ passthrough: true }) response: Response): Promise<TailPage> {
    return this.service.poll(request.principal, query, untilClientGone(response).signal);
  }

  @Get('stream')
  @ApiOperation({
    summary: 'The tail as Server-Sent Events: each event as it is stored.',
    description:
      `${CURSOR_PROMISE} Each message is \`event: audit-event\` with the event (and \`chainSeq\`) as data and the tail cursor ` +
      'just after it as `id`; reconnect with `Last-Event-ID` (EventSource does) to resume with no gap and no copy. A message ' +
      'with only an `id` moves the resume point past events the filters leave out. Comments (`: heartbeat`) keep a quiet ' +
      'stream alive. A stream ends after QUERY_STREAM_MAX_SECONDS, or when its client takes no byte for ' +
      'QUERY_STREAM_STALL_TIMEOUT_MS: resume from the last id. Each session is audited once, before its first byte.',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The id of the last message received: the stream resumes after it.' })
  @ApiOkResponse({ description: 'A text/event-stream that stays open.' })
  @HeavyRead('stream')
  async stream(
    @Req() request: AuthenticatedRequest,
    @Query() query: AuditLogsStreamQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    const { principal } = request;
    const resolved = this.service.resolve(principal, query);
    const after = lastEventId || query.after;
    const details = this.service.details('stream', resolved, after !== undefined);
    const abort = untilClientGone(response);
    this.watcher.untilShutdown(abort.signal).addEventListener('abort', () => abort.abort(), { once: true });
    // Once per session, acknowledged before the first byte; the position is read meanwhile.
    const [, start] = await Promise.all([this.trail.record(principal, 'view', resolved.scope, details), this.service.start(resolved, after, abort.signal)]);
    try {
      await writeTailStream(
        response,
        this.service,
        this.watcher,
        resolved,
        start,
        {
          heartbeatMs: this.limits.QUERY_STREAM_HEARTBEAT_SECONDS * 1000,
          stallTimeoutMs: this.limits.QUERY_STREAM_STALL_TIMEOUT_MS,
          maxDurationMs: this.limits.QUERY_STREAM_MAX_SECONDS * 1000,
          recordSources: (organizations) => this.trail.recordSources(principal, 'view', organizations, details),
        },
        abort,
      );
    } catch (error) {
      // The client left, or was cut: its query was cancelled on purpose and nobody is there to answer.
      if (!abort.signal.aborted) throw error;
    }
  }
}
