/** Six years and a leap day: HIPAA (45 CFR 164.316(b)(2)(i)) asks for six years of documentation. */
export const SIX_YEARS_DAYS = 2192;

/** One day in milliseconds: retention is counted in whole days. */
export const DAY_MS = 86_400_000;

/** Largest retention the `retention_days UInt16` column and the TTL accept sensibly (100 years). */
export const MAX_RETENTION_DAYS = 36_500;

export type RetentionSource = 'default' | 'override';

export interface OrganizationRetention {
  organizationId: string;
  retentionDays: number;
  source: RetentionSource;
}

/** What configures retention: the deployment's default and the organizations kept for less. */
export interface RetentionSettings {
  AUDIT_RETENTION_DAYS: number;
  /** `org-a=365,org-b=730`; empty or absent: every organization keeps the default. */
  AUDIT_RETENTION_OVERRIDES?: string;
}

const ORGANIZATION = /^[A-Za-z0-9_.:-]+$/;
const DAYS = /^[0-9]+$/;

/**
 * Parses `org-a=365,org-b=730` (spaces around items allowed). Every override must be shorter than
 * or equal to the default: the default is the compliance floor a deployment chose, and an
 * organization may only ask to be kept for less (where its own obligations allow), never for more
 * than the deployment promises everyone. Throws naming the item and the rule it broke.
 */
export function parseRetentionOverrides(text: string, defaultDays: number): Map<string, number> {
  const overrides = new Map<string, number>();
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const [organizationId, days, extra] = item.split('=').map((part) => part.trim());
    if (extra !== undefined || days === undefined || !ORGANIZATION.test(organizationId) || !DAYS.test(days)) {
      throw new Error(`AUDIT_RETENTION_OVERRIDES: "${item}" must be organizationId=days (letters, digits and _ . : - then a whole number of days)`);
    }
    const value = Number(days);
    if (value < 1) throw new Error(`AUDIT_RETENTION_OVERRIDES: ${organizationId} must keep its events at least 1 day, got ${value}`);
    if (value > defaultDays) {
      throw new Error(
        `AUDIT_RETENTION_OVERRIDES: ${organizationId}=${value} is longer than the default of ${defaultDays} days (AUDIT_RETENTION_DAYS); ` +
          'overrides may only shorten retention',
      );
    }
    if (overrides.has(organizationId)) throw new Error(`AUDIT_RETENTION_OVERRIDES: ${organizationId} is listed twice`);
    overrides.set(organizationId, value);
  }
  return overrides;
}

/**
 * The expiry of a new link of an organization's chain: its retention counted from `countedFrom` —
 * the later of the clock of the block that stores it (recorded with the block's offset range, so a
 * replay computes the same instant) and the event's `occurredAt` (at most an hour ahead of that
 * clock, by the contract) — and never before the expiry of the link before it. Expiry therefore
 * never decreases along a chain: what has expired at any moment is a prefix (links 1…N), which one
 * signed statement can describe, and a backfilled event with an old `occurredAt` expires with its
 * neighbours instead of leaving a hole in the middle. Every event is kept at least its retention
 * counted from when it occurred and from when it was recorded (docs/evidence.md).
 */
export function linkExpiry(previousExpiresAt: number, countedFrom: number, retentionDays: number): number {
  return Math.max(previousExpiresAt, countedFrom + retentionDays * DAY_MS);
}

/**
 * How long each organization's audit events are kept. The ingester gives every link the expiry
 * {@link linkExpiry} computes from `retentionDaysFor(organization)` (and stamps `retention_days`);
 * links past it are described by a signed expiry statement and only then removed by the table's
 * TTL. A link keeps the expiry it was stored with: changing an override applies to links stored
 * from then on (and, as expiry never decreases along a chain, a shortened override takes effect
 * once the links stored before it have expired).
 */
export class RetentionPolicy {
  readonly defaultDays: number;
  private readonly overrides: ReadonlyMap<string, number>;

  /** @param overrides `org-a=365,org-b=730`, or the parsed map. */
  constructor(defaultDays: number = SIX_YEARS_DAYS, overrides: string | ReadonlyMap<string, number> = '') {
    if (!Number.isInteger(defaultDays) || defaultDays < 1 || defaultDays > MAX_RETENTION_DAYS) {
      throw new Error(`AUDIT_RETENTION_DAYS must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}, got ${defaultDays}`);
    }
    this.defaultDays = defaultDays;
    this.overrides = typeof overrides === 'string' ? parseRetentionOverrides(overrides, defaultDays) : new Map(overrides);
  }

  static fromConfig(settings: RetentionSettings): RetentionPolicy {
    return new RetentionPolicy(settings.AUDIT_RETENTION_DAYS, settings.AUDIT_RETENTION_OVERRIDES ?? '');
  }

  /** Days to keep this organization's events. A property, so it can be handed over unbound. */
  readonly retentionDaysFor = (organizationId: string): number => this.overrides.get(organizationId) ?? this.defaultDays;

  describe(organizationId: string): OrganizationRetention {
    const override = this.overrides.get(organizationId);
    return { organizationId, retentionDays: override ?? this.defaultDays, source: override === undefined ? 'default' : 'override' };
  }
}
