import { AuditEventsReadRepository } from '@audit/clickhouse';
import { RetentionPolicy, type RetentionSource } from '@audit/integrity';
import { Injectable } from '@nestjs/common';
import { ReadAuditTrail } from '../audit-trail/read-audit.trail';
import { singleOrganization } from '../auth/organization.scope';
import type { Principal } from '../auth/principal';

const DAY_MS = 86_400_000;

export interface OrganizationRetentionView {
  organizationId: string;
  /** Days the organization's events are kept from when they occurred. */
  retentionDays: number;
  /** `default` (AUDIT_RETENTION_DAYS) or `override` (AUDIT_RETENTION_OVERRIDES). */
  source: RetentionSource;
  defaultRetentionDays: number;
  /** Events that occurred before this instant are past retention and removed at the table's next TTL merge. */
  keptSince: string;
  /** The oldest event still stored (null: none), and the retention it was stored with. */
  oldestEventAt: string | null;
  oldestEventRetentionDays: number | null;
}

/** How long an organization's audit log is kept, as configured and as stored. */
@Injectable()
export class RetentionService {
  constructor(
    private readonly policy: RetentionPolicy,
    private readonly events: AuditEventsReadRepository,
    private readonly trail: ReadAuditTrail,
  ) {}

  /** Owners and admins see their organization's; the security role names one with `organizationId`. */
  async describe(principal: Principal, organizationId: string | undefined, signal?: AbortSignal): Promise<OrganizationRetentionView> {
    const organization = singleOrganization(principal, organizationId, 'retention is per organization');
    const policy = this.policy.describe(organization);
    // Sent once the read's audit event is acknowledged; the query runs meanwhile.
    const [, oldest] = await Promise.all([
      this.trail.record(principal, 'view', { organizationId: organization }, { endpoint: 'retention' }),
      this.events.oldestEvent({ organizationId: organization }, signal),
    ]);
    return {
      ...policy,
      defaultRetentionDays: this.policy.defaultDays,
      keptSince: new Date(Date.now() - policy.retentionDays * DAY_MS).toISOString(),
      oldestEventAt: oldest?.occurredAt ?? null,
      oldestEventRetentionDays: oldest?.retentionDays ?? null,
    };
  }
}
