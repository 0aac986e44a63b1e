import { ApiError, type AuditRecorder, type Principal } from '@audit/query';
import type { AuditEventInput } from '@audit/producer';
import { HttpStatus, Logger } from '@nestjs/common';
import type { StreamDefinition } from '../definition/stream-definition';

export type StreamChange = 'create' | 'update' | 'delete' | 'pause' | 'resume' | 'replay' | 'test';

/**
 * Every change to a stream is itself an audit event, recorded — acknowledged by the broker — before
 * the change is made: action `stream.<change>`, resource `{ type: 'AuditStream', id, name }`, filed
 * under the stream's organization (an all-organization stream under the actor's), the destination
 * type and host and the fields changed as metadata (never a secret). If it cannot be recorded, the
 * change is refused with 503 `audit_unavailable`; a change that fails after its event is recorded
 * gets a second event with status `failure`.
 */
export class StreamChangeTrail {
  private readonly logger = new Logger(StreamChangeTrail.name);

  /** `recorder`: the query API's audit recorder (an `AuditProducer`: `record` resolves once the broker acknowledged). */
  constructor(private readonly recorder: AuditRecorder) {}

  async record(principal: Principal, change: StreamChange, stream: StreamDefinition, details: Record<string, string | number | boolean> = {}, failure?: string): Promise<void> {
    const destination = stream.destination;
    const input: AuditEventInput = {
      organizationId: stream.organizationId === '*' ? principal.organizationId : stream.organizationId,
      actor: { id: principal.subject, type: 'user', ...(principal.email && { email: principal.email }) },
      action: `stream.${change}`,
      resource: { type: 'AuditStream', id: stream.id, name: stream.name },
      status: failure ? 'failure' : 'success',
      ...(failure && { reason: failure.slice(0, 1000) }),
      metadata: {
        role: principal.role,
        destinationType: destination.type,
        destinationHost: destination.type === 'syslog' ? `${destination.host}:${destination.port}` : new URL(destination.url).host,
        format: stream.format,
        streamOrganization: stream.organizationId,
        ...details,
      },
    };
    try {
      await this.recorder.record(input);
    } catch (error) {
      this.logger.error(`audit event of stream.${change} was not recorded: ${error instanceof Error ? error.message : String(error)}`);
      throw new ApiError({ statusCode: HttpStatus.SERVICE_UNAVAILABLE, code: 'audit_unavailable', message: 'the change could not be audited; nothing was changed, retry later' });
    }
  }
}
