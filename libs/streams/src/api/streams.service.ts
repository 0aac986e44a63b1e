import { uuidv7 } from '@audit/contract';
import { GENESIS_HASH } from '@audit/integrity';
import { ApiError, forbidden, invalidParameter, type Principal } from '@audit/query';
import { HttpStatus } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DeliveryError } from '../destinations/delivery.error';
import type { DestinationFactory } from '../destinations/destination.factory';
import type { SecretCipher } from '../definition/secret.cipher';
import { ALL_ORGANIZATIONS, type StreamDefinition, type StreamDestination } from '../definition/stream-definition';
import type { StreamStore } from '../definition/stream.store';
import type { StreamsConfig } from '../streams.config';
import type { StreamChange, StreamChangeTrail } from './stream-change.trail';
import type { CreateStreamDto, ListStreamsQueryDto, ReplayStreamDto, StreamDestinationDto, UpdateStreamDto } from './stream-request.dto';
import type { CreatedStreamView, StreamListView, StreamStatusView, StreamTestView, StreamView } from './stream-response.dto';
import { toStreamView } from './stream.view';

const notFound = (id: string) => new ApiError({ statusCode: HttpStatus.NOT_FOUND, code: 'not_found', message: `no stream ${id}` });
const unavailable = (message: string) => new ApiError({ statusCode: HttpStatus.SERVICE_UNAVAILABLE, code: 'streams_unavailable', message });
/** A start time may be up to a minute ahead (clock skew between the caller and this server). */
const FUTURE_SKEW_MS = 60_000;

/**
 * The rules of `/v1/streams`: owners and admins manage their organization's streams, the security
 * role any (and the all-organization ones); a stream of another organization is a 404, never a
 * 403, so its existence does not leak. Secrets are sealed before they are stored and never shown
 * again (a generated webhook secret is shown once, in the answer that created it). Every change is
 * audited first ({@link StreamChangeTrail}), then written to the definitions topic.
 */
export class StreamsService {
  constructor(
    private readonly config: StreamsConfig,
    private readonly store: StreamStore,
    private readonly trail: StreamChangeTrail,
    private readonly destinations: DestinationFactory,
    private readonly cipher: SecretCipher | undefined,
  ) {}

  list(principal: Principal, query: ListStreamsQueryDto): StreamListView {
    if (query.organizationId !== undefined && principal.role !== 'security') throw forbidden('only the security role may choose the organization; yours comes from your token', 'organizationId');
    const organizationId = principal.role === 'security' ? query.organizationId : principal.organizationId;
    const streams = this.store.definitions.values().filter((stream) => organizationId === undefined || stream.organizationId === organizationId);
    return { data: streams.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map((stream) => this.view(stream)) };
  }

  get(principal: Principal, id: string): StreamView {
    return this.view(this.find(principal, id));
  }

  status(principal: Principal, id: string): StreamStatusView {
    return this.get(principal, id).status;
  }

  async create(principal: Principal, dto: CreateStreamDto): Promise<CreatedStreamView> {
    const organizationId = this.targetOrganization(principal, dto.organizationId);
    if (this.store.definitions.values().filter((stream) => stream.organizationId === organizationId).length >= this.config.STREAMS_MAX_PER_ORGANIZATION) {
      throw new ApiError({ statusCode: HttpStatus.CONFLICT, code: 'stream_limit_reached', message: `an organization may have at most ${this.config.STREAMS_MAX_PER_ORGANIZATION} streams (STREAMS_MAX_PER_ORGANIZATION)` });
    }
    const now = new Date().toISOString();
    const id = uuidv7();
    const destination = this.destination(dto.destination);
    const { sealedSecret, generated } = this.secret(id, dto.destination, undefined);
    const stream: StreamDefinition = {
      id,
      organizationId,
      name: dto.name,
      destination,
      ...(sealedSecret && { sealedSecret }),
      format: dto.format ?? 'v1',
      filter: dto.filter ?? {},
      paused: false,
      position: dto.startAt ? { id: uuidv7(), kind: 'from', from: this.pastTime(dto.startAt, 'startAt') } : { id: uuidv7(), kind: 'created', from: now },
      createdAt: now,
      updatedAt: now,
      createdBy: { subject: principal.subject, ...(principal.email && { email: principal.email }) },
      version: 1,
    };
    await this.change(principal, 'create', stream, { ...(dto.startAt && { startAt: dto.startAt }) });
    return { ...this.view(stream), ...(generated && { secret: generated }) };
  }

  async update(principal: Principal, id: string, dto: UpdateStreamDto): Promise<CreatedStreamView> {
    const current = this.find(principal, id);
    const destination = dto.destination ? this.destination(dto.destination) : current.destination;
    const { sealedSecret, generated } = dto.destination ? this.secret(id, dto.destination, current) : { sealedSecret: current.sealedSecret, generated: undefined };
    const next: StreamDefinition = {
      ...current,
      name: dto.name ?? current.name,
      destination,
      sealedSecret,
      format: dto.format ?? current.format,
      filter: dto.filter ?? current.filter,
    };
    const fields = (['name', 'destination', 'format', 'filter'] as const).filter((field) => dto[field] !== undefined);
    await this.change(principal, 'update', next, { fields: fields.join(',') || 'none', ...(dto.destination?.secret !== undefined && { secretChanged: true }) });
    return { ...this.view(this.find(principal, id)), ...(generated && { secret: generated }) };
  }

  async remove(principal: Principal, id: string): Promise<void> {
    const current = this.find(principal, id);
    await this.trail.record(principal, 'delete', current);
    await this.store.definitions.put(id, null).catch(async (error: unknown) => {
      await this.trail.record(principal, 'delete', current, {}, String(error)).catch(() => undefined);
      throw unavailable('the stream could not be deleted; retry later');
    });
  }

  async pause(principal: Principal, id: string, paused: boolean): Promise<StreamView> {
    const current = this.find(principal, id);
    if (current.paused !== paused) await this.change(principal, paused ? 'pause' : 'resume', { ...current, paused });
    return this.get(principal, id);
  }

  async replay(principal: Principal, id: string, dto: ReplayStreamDto): Promise<StreamView> {
    const current = this.find(principal, id);
    const from = this.pastTime(dto.from, 'from');
    await this.change(principal, 'replay', { ...current, position: { id: uuidv7(), kind: 'from', from } }, { from });
    return this.get(principal, id);
  }

  /** Sends one test event (`stream.test`, sequence 0, outside the chain) to the destination, and says how it answered. */
  async test(principal: Principal, id: string): Promise<StreamTestView> {
    const stream = this.find(principal, id);
    const started = Date.now();
    let result: StreamTestView;
    try {
      const destination = this.destinations.create(stream, this.openSecret(stream));
      try {
        const event = {
          id: uuidv7(),
          occurredAt: new Date().toISOString(),
          organizationId: stream.organizationId === ALL_ORGANIZATIONS ? principal.organizationId : stream.organizationId,
          actor: { id: principal.subject, type: 'user' as const },
          action: 'stream.test',
          resource: { type: 'AuditStream', id: stream.id, name: stream.name },
          status: 'success' as const,
          schemaVersion: 1 as const,
        };
        await destination.send({ streamId: stream.id, batchSeq: 0, format: stream.format, ranges: [], events: [{ organizationId: event.organizationId, seq: 0, hash: GENESIS_HASH, prevHash: GENESIS_HASH, event }], checkpoints: [] });
        result = { ok: true, durationMs: Date.now() - started };
      } finally {
        await destination.close();
      }
    } catch (error) {
      const statusCode = error instanceof DeliveryError ? error.details.statusCode : undefined;
      result = { ok: false, ...(statusCode && { statusCode }), error: error instanceof Error ? error.message : String(error), durationMs: Date.now() - started };
    }
    await this.trail.record(principal, 'test', stream, { ok: result.ok, ...(result.statusCode && { statusCode: result.statusCode }) });
    return result;
  }

  private view(stream: StreamDefinition): StreamView {
    return toStreamView(stream, this.store.statuses.get(stream.id), 3 * this.config.STREAMS_STATUS_INTERVAL_MS + 10_000);
  }

  private find(principal: Principal, id: string): StreamDefinition {
    const stream = this.store.definitions.get(id);
    if (!stream || (principal.role !== 'security' && stream.organizationId !== principal.organizationId)) throw notFound(id);
    return stream;
  }

  /** Audits the change, then writes the new definition (its version one up). */
  private async change(principal: Principal, change: StreamChange, stream: StreamDefinition, details: Record<string, string | number | boolean> = {}): Promise<void> {
    const next = { ...stream, version: change === 'create' ? 1 : stream.version + 1, updatedAt: new Date().toISOString() };
    await this.trail.record(principal, change, next, details);
    try {
      await this.store.definitions.put(next.id, next);
    } catch (error) {
      await this.trail.record(principal, change, next, details, error instanceof Error ? error.message : String(error)).catch(() => undefined);
      throw unavailable(`the stream could not be ${change === 'create' ? 'created' : 'changed'}; retry later`);
    }
  }

  private targetOrganization(principal: Principal, requested: string | undefined): string {
    if (principal.role !== 'security') {
      if (requested !== undefined) throw forbidden('only the security role may choose the organization; yours comes from your token', 'organizationId');
      return principal.organizationId;
    }
    if (requested === undefined) throw invalidParameter('organizationId', 'required', 'organizationId is required for the security role (an organization id, or * for every organization)');
    return requested;
  }

  private pastTime(value: string, field: string): string {
    const at = Date.parse(value);
    if (Number.isNaN(at) || at > Date.now() + FUTURE_SKEW_MS) throw invalidParameter(field, 'past', `${field} must be a moment in the past`);
    return new Date(at).toISOString();
  }

  /** The destination as stored (no secret), after refusing an IP-literal host the address policy forbids. */
  private destination(dto: StreamDestinationDto): StreamDestination {
    const field = dto.type === 'syslog' ? 'destination.host' : 'destination.url';
    const host = dto.type === 'syslog' ? (dto.host as string) : new URL(dto.url as string).hostname;
    try {
      this.destinations.policy.checkHost(host, dto.type !== 'syslog' && new URL(dto.url as string).protocol === 'http:');
    } catch (error) {
      throw invalidParameter(field, 'address', (error as Error).message);
    }
    switch (dto.type) {
      case 'webhook':
        return { type: 'webhook', url: dto.url as string };
      case 'splunk':
        return { type: 'splunk', url: dto.url as string, ...(dto.index && { index: dto.index }), ...(dto.sourcetype && { sourcetype: dto.sourcetype }) };
      case 'datadog':
        return { type: 'datadog', url: dto.url as string, ...(dto.service && { service: dto.service }), ...(dto.tags && { tags: dto.tags }) };
      case 'syslog':
        return { type: 'syslog', host: dto.host as string, port: dto.port as number, tls: dto.tls ?? false, ...(dto.appName && { appName: dto.appName }) };
    }
  }

  /**
   * The sealed secret for a destination: the one given; else the current one when the type is
   * unchanged; else, for a webhook, a new one (returned once); Splunk and Datadog need theirs.
   */
  private secret(id: string, dto: StreamDestinationDto, current: StreamDefinition | undefined): { sealedSecret?: string; generated?: string } {
    if (dto.type === 'syslog') {
      if (dto.secret !== undefined) throw invalidParameter('destination.secret', 'notAllowed', 'a syslog destination takes no secret');
      return {};
    }
    if (dto.secret === undefined && current?.sealedSecret && current.destination.type === dto.type) return { sealedSecret: current.sealedSecret };
    if (dto.secret === undefined && dto.type !== 'webhook') throw invalidParameter('destination.secret', 'required', `a ${dto.type} destination needs its ${dto.type === 'splunk' ? 'HEC token' : 'API key'} as secret`);
    if (!this.cipher) throw unavailable('STREAMS_SECRET_KEY is not configured: destination secrets cannot be stored');
    const generated = dto.secret === undefined ? randomBytes(32).toString('base64url') : undefined;
    return { sealedSecret: this.cipher.seal(dto.secret ?? (generated as string), id), generated };
  }

  private openSecret(stream: StreamDefinition): string | undefined {
    if (!stream.sealedSecret) return undefined;
    if (!this.cipher) throw unavailable('STREAMS_SECRET_KEY is not configured: destination secrets cannot be opened');
    return this.cipher.open(stream.sealedSecret, stream.id);
  }
}
