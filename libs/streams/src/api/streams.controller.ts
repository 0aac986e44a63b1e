import { ApiErrorView, invalidParameter, JwtAuthGuard, queryValidationPipe, type AuthenticatedRequest } from '@audit/query';
import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Req, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CreateStreamDto, ListStreamsQueryDto, ReplayStreamDto, UpdateStreamDto } from './stream-request.dto';
import { CreatedStreamView, StreamListView, StreamStatusView, StreamTestView, StreamView } from './stream-response.dto';
import { StreamsService } from './streams.service';

/** A stream id in the path: a UUID, else 400 naming the field. */
const streamId = new ParseUUIDPipe({ exceptionFactory: () => invalidParameter('id', 'isUuid', 'id must be a stream id (a UUID)') });

@ApiTags('streams')
@ApiBearerAuth()
@ApiResponse({ status: 400, description: 'A field broke a rule (`field`, `rule`).', type: ApiErrorView })
@ApiResponse({ status: 401, description: 'No token, or a bad or expired one.', type: ApiErrorView })
@ApiResponse({ status: 403, description: 'The role may not manage streams (`forbidden`).', type: ApiErrorView })
@ApiResponse({ status: 404, description: 'No such stream in your scope (`not_found`).', type: ApiErrorView })
@ApiResponse({ status: 503, description: 'The change could not be audited (`audit_unavailable`) or stored (`streams_unavailable`).', type: ApiErrorView })
@Controller('v1/streams')
@UseGuards(JwtAuthGuard)
@UsePipes(queryValidationPipe())
export class StreamsController {
  constructor(private readonly service: StreamsService) {}

  @Get()
  @ApiOperation({ summary: 'The streams of your organization (security role: every stream, or one organization\'s with organizationId).' })
  @ApiOkResponse({ type: StreamListView })
  list(@Req() request: AuthenticatedRequest, @Query() query: ListStreamsQueryDto): StreamListView {
    return this.service.list(request.principal, query);
  }

  @Post()
  @ApiOperation({ summary: 'Creates a stream; a generated webhook secret is returned in this answer only.' })
  @ApiCreatedResponse({ type: CreatedStreamView })
  @ApiResponse({ status: 409, description: 'The organization has STREAMS_MAX_PER_ORGANIZATION streams (`stream_limit_reached`).', type: ApiErrorView })
  create(@Req() request: AuthenticatedRequest, @Body() body: CreateStreamDto): Promise<CreatedStreamView> {
    return this.service.create(request.principal, body);
  }

  @Get(':id')
  @ApiOkResponse({ type: StreamView })
  get(@Req() request: AuthenticatedRequest, @Param('id', streamId) id: string): StreamView {
    return this.service.get(request.principal, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Changes the name, destination (its secret kept unless a new one is given), format or filter.' })
  @ApiOkResponse({ type: CreatedStreamView })
  update(@Req() request: AuthenticatedRequest, @Param('id', streamId) id: string, @Body() body: UpdateStreamDto): Promise<CreatedStreamView> {
    return this.service.update(request.principal, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted: delivery stops, its position is forgotten.' })
  async remove(@Req() request: AuthenticatedRequest, @Param('id', streamId) id: string): Promise<void> {
    await this.service.remove(request.principal, id);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stops delivery; the stream keeps its position.' })
  @ApiOkResponse({ type: StreamView })
  pause(@Req() request: AuthenticatedRequest, @Param('id', streamId) id: string): Promise<StreamView> {
    return this.service.pause(request.principal, id, true);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resumes delivery where it stopped.' })
  @ApiOkResponse({ type: StreamView })
  resume(@Req() request: AuthenticatedRequest, @Param('id', streamId) id: string): Promise<StreamView> {
    return this.service.pause(request.principal, id, false);
  }

  @Post(':id/replay')
  @HttpCode(200)
  @ApiOperation({ summary: 'Delivers again everything stored since `from` (from the topic, or ClickHouse first when the topic no longer holds it).' })
  @ApiOkResponse({ type: StreamView })
  replay(@Req() request: AuthenticatedRequest, @Param('id', streamId) id: string, @Body() body: ReplayStreamDto): Promise<StreamView> {
    return this.service.replay(request.principal, id, body);
  }

  @Post(':id/test')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sends one test event (action stream.test, seq 0) to the destination and reports its answer.' })
  @ApiOkResponse({ type: StreamTestView })
  test(@Req() request: AuthenticatedRequest, @Param('id', streamId) id: string): Promise<StreamTestView> {
    return this.service.test(request.principal, id);
  }

  @Get(':id/status')
  @ApiOperation({ summary: 'State (starting, backfilling, active, failing, paused), last error, delivered and failed counts, lag.' })
  @ApiOkResponse({ type: StreamStatusView })
  status(@Req() request: AuthenticatedRequest, @Param('id', streamId) id: string): StreamStatusView {
    return this.service.status(request.principal, id);
  }
}
