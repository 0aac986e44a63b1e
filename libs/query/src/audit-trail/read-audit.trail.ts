import { CONTROL_CHARACTERS } from '@audit/contract';
import type { AuditEventInput } from '@audit/producer';
import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { ApiError } from '../http/api-errors';

/** Injection token of what records audit events (an `AuditProducer` in the app, a fake in unit tests). */
export const AUDIT_RECORDER = Symbol('AUDIT_RECORDER');

export interface AuditRecorder {
  record(input: AuditEventInput): Promise<void>;
}

export type ReadAction = 'view' | 'export';

/** Whose log was read: one organization, or every organization (security role). */
export type ReadTarget = { organizationId: string } | 'all';

const MAX_METADATA_VALUE = 1024;
const ALL_CONTROL_CHARACTERS = new RegExp(CONTROL_CHARACTERS.source, 'g');

/**
 * A filter value as audit metadata: the contract refuses control characters in metadata, and a
 * read must not fail (503) because its filter held one, so they are written as `\uXXXX` text.
 */
function metadataText(value: string): string {
  return value.replace(ALL_CONTROL_CHARACTERS, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`).slice(0, MAX_METADATA_VALUE);
}

/**
 * Reading the audit log is itself audited: every list, facets and export request is recorded as
 * an event (action `view` or `export`, resource `AuditLog`) before its query runs. Recording is
 * fail-closed at acceptance — if the producer refuses the event (closed, buffer full), the read is
 * refused with 503 — and asynchronous after it: the producer delivers and retries in the
 * background, so a read does not wait for the broker's acknowledgement.
 */
@Injectable()
export class ReadAuditTrail {
  private readonly logger = new Logger('ReadAuditTrail');

  constructor(@Inject(AUDIT_RECORDER) private readonly recorder: AuditRecorder) {}

  record(principal: Principal, action: ReadAction, target: ReadTarget, details: Record<string, string | number | boolean | undefined>): void {
    const metadata: Record<string, string | number | boolean> = {};
    for (const [name, value] of Object.entries(details)) {
      if (value !== undefined) metadata[name] = typeof value === 'string' ? metadataText(value) : value;
    }
    const input: AuditEventInput = {
      // The event belongs to the log that was read; a cross-organization read is filed under the reader's organization.
      organizationId: target === 'all' ? principal.organizationId : target.organizationId,
      actor: { id: principal.subject, type: 'user', ...(principal.email && { email: principal.email }) },
      action,
      resource: { type: 'AuditLog', id: target === 'all' ? '*' : target.organizationId },
      status: 'success',
      metadata: { role: principal.role, ...metadata },
    };
    try {
      this.recorder.record(input).catch((error: unknown) => this.logger.error(`audit event of a ${action} was not delivered: ${String(error)}`));
    } catch (error) {
      this.logger.error(`audit event of a ${action} was refused: ${String(error)}`);
      throw new ApiError({ statusCode: HttpStatus.SERVICE_UNAVAILABLE, code: 'audit_unavailable', message: 'the read could not be audited; retry later' });
    }
  }
}
