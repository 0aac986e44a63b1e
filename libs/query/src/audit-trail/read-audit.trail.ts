import { CONTROL_CHARACTERS, LIMITS } from '@audit/contract';
import type { AuditEventInput } from '@audit/producer';
import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { ApiError } from '../http/api-errors';
import { QueryConfig } from '../query.config';

/** Injection token of what records audit events (an `AuditProducer` in the app, a fake in unit tests). */
export const AUDIT_RECORDER = Symbol('AUDIT_RECORDER');

export interface AuditRecorder {
  /** Resolves when the broker acknowledged the event; throws at once when it cannot take it. */
  record(input: AuditEventInput): Promise<void>;
}

export type ReadAction = 'view' | 'export';

/** Whose log was read: one organization, or every organization (security role). */
export type ReadTarget = { organizationId: string } | 'all';

export type ReadDetails = Record<string, string | number | boolean | undefined>;

const ALL_CONTROL_CHARACTERS = new RegExp(CONTROL_CHARACTERS.source, 'g');

/**
 * Text from a request or an error as an event value: the contract refuses control characters, and
 * a read must not fail (503) because its filter held one, so they are written as `\uXXXX` text.
 */
export function eventText(value: string, maxLength: number): string {
  return value.replace(ALL_CONTROL_CHARACTERS, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`).slice(0, maxLength);
}

function metadataOf(principal: Principal, details: ReadDetails): Record<string, string | number | boolean> {
  const metadata: Record<string, string | number | boolean> = { role: principal.role };
  for (const [name, value] of Object.entries(details)) {
    if (value !== undefined) metadata[name] = typeof value === 'string' ? eventText(value, LIMITS.metadataValueLength) : value;
  }
  return metadata;
}

const unavailable = () =>
  new ApiError({ statusCode: HttpStatus.SERVICE_UNAVAILABLE, code: 'audit_unavailable', message: 'the read could not be audited; retry later' });

/**
 * Reading the audit log is itself audited, and a read is audited before its data leaves: every
 * list, facets, export, verify and retention request is recorded as an event (action `view` or
 * `export`, resource `AuditLog`), and no byte of the answer is sent until the broker has
 * acknowledged it (the query may run meanwhile). An event the producer refuses, or one not
 * acknowledged within QUERY_AUDIT_ACK_TIMEOUT_MS, refuses the read with 503 `audit_unavailable`;
 * the producer keeps such an event and delivers it when the broker is back, so the log may show a
 * read that was refused, never lack one that was served. A read the API refuses or fails after the
 * token was verified is recorded too (status `failure`, the error as reason), without holding
 * the refusal up.
 */
@Injectable()
export class ReadAuditTrail {
  private readonly logger = new Logger('ReadAuditTrail');

  constructor(
    @Inject(AUDIT_RECORDER) private readonly recorder: AuditRecorder,
    private readonly config: QueryConfig,
  ) {}

  /** Records a read of `target`; resolves once the broker acknowledged it (else throws 503). */
  record(principal: Principal, action: ReadAction, target: ReadTarget, details: ReadDetails): Promise<void> {
    // A cross-organization read is filed under the reader's organization (and, for its rows, see recordSources).
    const organizationId = target === 'all' ? principal.organizationId : target.organizationId;
    return this.acknowledged(action, [this.event(principal, action, organizationId, target === 'all' ? '*' : organizationId, 'success', details)]);
  }

  /**
   * A security-role read of every organization, recorded also where its data came from: one
   * event in each organization whose rows it is about to send. Resolves once all are acknowledged.
   */
  recordSources(principal: Principal, action: ReadAction, organizations: readonly string[], details: ReadDetails): Promise<void> {
    if (organizations.length === 0) return Promise.resolve();
    const crossOrganization = { ...details, scope: 'all' };
    return this.acknowledged(
      action,
      organizations.map((organizationId) => this.event(principal, action, organizationId, organizationId, 'success', crossOrganization)),
    );
  }

  /**
   * A read refused or failed after its token was verified: recorded in the reader's organization
   * with status `failure` and the error as reason. Not awaited: the refusal goes out as it is.
   */
  refused(principal: Principal, action: ReadAction, reason: string, details: ReadDetails): void {
    const resourceId = principal.role === 'security' ? '*' : principal.organizationId;
    const event = this.event(principal, action, principal.organizationId, resourceId, 'failure', details, eventText(reason, LIMITS.reasonLength));
    try {
      this.recorder.record(event).catch((error: unknown) => this.logger.error(`audit event of a refused ${action} was not delivered: ${String(error)}`));
    } catch (error) {
      this.logger.error(`audit event of a refused ${action} was refused: ${String(error)}`);
    }
  }

  private event(
    principal: Principal,
    action: ReadAction,
    organizationId: string,
    resourceId: string,
    status: 'success' | 'failure',
    details: ReadDetails,
    reason?: string,
  ): AuditEventInput {
    return {
      organizationId,
      actor: { id: principal.subject, type: 'user', ...(principal.email && { email: principal.email }) },
      action,
      resource: { type: 'AuditLog', id: resourceId },
      status,
      ...(reason && { reason }),
      metadata: metadataOf(principal, details),
    };
  }

  private async acknowledged(action: ReadAction, events: AuditEventInput[]): Promise<void> {
    let acks: Array<Promise<void>>;
    try {
      acks = events.map((event) => this.recorder.record(event));
    } catch (error) {
      this.logger.error(`audit event of a ${action} was refused: ${String(error)}`);
      throw unavailable();
    }
    const all = Promise.all(acks);
    if (!this.config.QUERY_AUDIT_WAIT_FOR_ACK) {
      // The load benchmark's baseline only: served once accepted into the producer's buffer.
      all.catch((error: unknown) => this.logger.error(`audit event of a ${action} was not delivered: ${String(error)}`));
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not acknowledged within ${this.config.QUERY_AUDIT_ACK_TIMEOUT_MS} ms`)), this.config.QUERY_AUDIT_ACK_TIMEOUT_MS);
    });
    try {
      await Promise.race([all, timeout]);
    } catch (error) {
      this.logger.error(`audit event of a ${action} was not acknowledged: ${String(error)}`);
      throw unavailable();
    } finally {
      clearTimeout(timer);
    }
  }
}
