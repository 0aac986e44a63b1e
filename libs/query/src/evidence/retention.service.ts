import { AuditEventsReadRepository, AuditExpiryRepository } from '@audit/clickhouse';
import { RetentionPolicy, type RetentionSource } from '@audit/integrity';
import { Injectable } from '@nestjs/common';
import { ReadAuditTrail } from '../audit-trail/read-audit.trail';
import { singleOrganization } from '../auth/organization.scope';
import type { Principal } from '../auth/principal';
import type { LegalHoldView } from '../legal-holds/legal-hold.dto';
import { LegalHoldService } from '../legal-holds/legal-hold.service';

const DAY_MS = 86_400_000;

export interface OrganizationRetentionView {
  organizationId: string;
  /** Days the organization's events are kept, counted from when each was recorded (or occurred, when later). */
  retentionDays: number;
  /** `default` (AUDIT_RETENTION_DAYS) or `override` (AUDIT_RETENTION_OVERRIDES). */
  source: RetentionSource;
  defaultRetentionDays: number;
  /** Events recorded before this instant are past retention: removed once the expiry job signs their statement, unless held. */
  keptSince: string;
  /** The oldest event still stored (null: none), and the retention it was stored with. */
  oldestEventAt: string | null;
  oldestEventRetentionDays: number | null;
  /** The newest signed expiry statement: links 1…chainSeq expired by expiredAt (null: nothing has expired yet). */
  expiredThrough: { chainSeq: number; expiredAt: string; signedAt: string } | null;
  /** Active legal holds: retention removes none of their events until they are released. */
  activeHolds: LegalHoldView[];
}

/** How long an organization's audit log is kept, as configured and as stored, and what holds keep it longer. */
@Injectable()
export class RetentionService {
  constructor(
    private readonly policy: RetentionPolicy,
    private readonly events: AuditEventsReadRepository,
    private readonly trail: ReadAuditTrail,
    private readonly expiries: AuditExpiryRepository,
    private readonly holds: LegalHoldService,
  ) {}

  /** Owners and admins see their organization's; the security role names one with `organizationId`. */
  async describe(principal: Principal, organizationId: string | undefined, signal?: AbortSignal): Promise<OrganizationRetentionView> {
    const organization = singleOrganization(principal, organizationId, 'retention is per organization');
    const policy = this.policy.describe(organization);
    // Sent once the read's audit event is acknowledged; the queries run meanwhile.
    const [, oldest, statement, activeHolds] = await Promise.all([
      this.trail.record(principal, 'view', { organizationId: organization }, { endpoint: 'retention' }),
      this.events.oldestEvent({ organizationId: organization }, signal),
      this.expiries.newest(organization),
      this.holds.active(organization),
    ]);
    return {
      ...policy,
      defaultRetentionDays: this.policy.defaultDays,
      keptSince: new Date(Date.now() - policy.retentionDays * DAY_MS).toISOString(),
      oldestEventAt: oldest?.occurredAt ?? null,
      oldestEventRetentionDays: oldest?.retentionDays ?? null,
      expiredThrough: statement ? { chainSeq: statement.chainSeq, expiredAt: statement.expiredAt, signedAt: statement.signedAt } : null,
      activeHolds,
    };
  }
}
