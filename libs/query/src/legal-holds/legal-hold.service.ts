import { AuditChainHeadsReader, AuditExpiryRepository, LegalHoldRepository, RetentionGateRepository, type HoldWindow, type LegalHoldRecord } from '@audit/clickhouse';
import { LIMITS, UUID_PATTERN } from '@audit/contract';
import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { parseInstant } from '../audit-logs/audit-logs.service';
import { AUDIT_RECORDER, eventText, ReadAuditTrail, type AuditRecorder } from '../audit-trail/read-audit.trail';
import { singleOrganization } from '../auth/organization.scope';
import type { Principal } from '../auth/principal';
import { ApiError, conflict, forbidden, invalidParameter, notFound, type ApiErrorBody } from '../http/api-errors';
import type { LegalHoldsQueryDto, LegalHoldView, PlaceLegalHoldDto, ReleaseLegalHoldDto } from './legal-hold.dto';

/** The organization a hold is placed on or released from: an owner's own, or the one the security role names. */
function holdingOrganization(principal: Principal, organizationId: string | undefined): string {
  if (principal.role !== 'owner' && principal.role !== 'security') {
    throw forbidden('only an owner (for their organization) or the security role may place or release a legal hold');
  }
  return singleOrganization(principal, organizationId, 'a hold is per organization');
}

function holdWindow(from: string | undefined, to: string | undefined): HoldWindow | null {
  if (from === undefined && to === undefined) return null;
  const window: HoldWindow = {};
  if (from !== undefined) window.from = new Date(parseInstant('from', from)).toISOString();
  if (to !== undefined) window.to = new Date(parseInstant('to', to)).toISOString();
  if (window.from !== undefined && window.to !== undefined && window.from >= window.to) throw invalidParameter('from', 'beforeTo', 'from must be before to');
  return window;
}

/** Each hold of the organization as placed, with its release when there is one; newest first. */
function views(records: LegalHoldRecord[]): LegalHoldView[] {
  const holds = new Map<string, LegalHoldView>();
  for (const record of records) {
    const hold = holds.get(record.holdId);
    if (record.action === 'place' && !hold) {
      holds.set(record.holdId, {
        holdId: record.holdId,
        organizationId: record.organizationId,
        status: 'active',
        window: record.window,
        fromSeq: record.fromSeq,
        reason: record.reason,
        placedBy: record.actor,
        placedAt: record.recordedAt,
      });
    } else if (record.action === 'release' && hold && !hold.released) {
      hold.status = 'released';
      hold.released = { by: record.actor, at: record.recordedAt, reason: record.reason };
    }
  }
  return [...holds.values()].reverse();
}

/**
 * Legal holds: an owner (for their organization) or the security role places a hold, optionally on
 * a window of occurredAt, with a reason; retention removes no held row until it is released.
 * A hold keeps the first link whose event lies in its window and every later link, so expiry stays
 * a prefix of the chain and the chain stays verifiable. Placing and releasing are recorded in the
 * `audit_legal_holds` table first and then as events of the organization's audit log; the answer
 * waits for the event's acknowledgement (503 `audit_unavailable` when it cannot be had: the change
 * stands, the producer delivers its event once the broker is back).
 */
@Injectable()
export class LegalHoldService {
  private readonly logger = new Logger('LegalHoldService');

  constructor(
    private readonly holds: LegalHoldRepository,
    private readonly heads: AuditChainHeadsReader,
    private readonly expiries: AuditExpiryRepository,
    private readonly gate: RetentionGateRepository,
    private readonly trail: ReadAuditTrail,
    @Inject(AUDIT_RECORDER) private readonly recorder: AuditRecorder,
  ) {}

  async place(principal: Principal, request: PlaceLegalHoldDto): Promise<LegalHoldView> {
    const organizationId = holdingOrganization(principal, request.organizationId);
    const window = holdWindow(request.from, request.to);
    const fromSeq = await this.firstHeldSeq(organizationId, window);
    const record: LegalHoldRecord = { holdId: randomUUID(), organizationId, action: 'place', fromSeq, window, reason: request.reason, actor: actorOf(principal), recordedAt: new Date().toISOString() };
    await this.holds.record(record);
    await this.enforce(organizationId, fromSeq);
    await this.audit(principal, record);
    return views([record])[0];
  }

  async release(principal: Principal, holdId: string, request: ReleaseLegalHoldDto): Promise<LegalHoldView> {
    if (!UUID_PATTERN.test(holdId)) throw invalidParameter('holdId', 'isUuid', 'holdId must be the UUID of a hold');
    const organizationId = holdingOrganization(principal, request.organizationId);
    const records = (await this.holds.records(organizationId)).filter((record) => record.holdId === holdId.toLowerCase());
    const placed = records.find((record) => record.action === 'place');
    if (!placed) throw notFound(`organization ${organizationId} has no legal hold ${holdId}`, 'holdId');
    const earlier = records.find((record) => record.action === 'release');
    if (earlier) throw conflict('already_released', `legal hold ${holdId} was released at ${earlier.recordedAt}`);
    const record: LegalHoldRecord = { ...placed, action: 'release', reason: request.reason, actor: actorOf(principal), recordedAt: new Date().toISOString() };
    await this.holds.record(record);
    // The expiry job's next round lets the released links go (it re-applies the TTL for organizations with a release).
    await this.gate.reload();
    await this.audit(principal, record);
    return views([placed, record])[0];
  }

  /** An organization's holds; reading them is audited like any read of the log (sent once its event is acknowledged). */
  async list(principal: Principal, query: LegalHoldsQueryDto): Promise<LegalHoldView[]> {
    const organizationId = singleOrganization(principal, query.organizationId, 'holds are per organization');
    const [, holds] = await Promise.all([this.trail.record(principal, 'view', { organizationId }, { endpoint: 'legal-holds' }), this.active(organizationId, query.status === 'all')]);
    return holds;
  }

  /**
   * A refused hold change, recorded in the requester's organization with status `failure` and the
   * error as reason. Not awaited: the refusal goes out as it is.
   */
  refused(principal: Principal, change: 'place' | 'release', holdId: string | undefined, error: ApiErrorBody): void {
    this.recorder
      .record({
        organizationId: principal.organizationId,
        actor: { id: principal.subject, type: 'user', ...(principal.email && { email: principal.email }) },
        action: `legal_hold.${change}`,
        resource: { type: 'LegalHold', id: holdId && UUID_PATTERN.test(holdId) ? holdId : '*' },
        status: 'failure',
        reason: eventText(`${error.code}: ${error.message}`, LIMITS.reasonLength),
        metadata: { role: principal.role, statusCode: error.statusCode, code: error.code, ...(error.field && { field: eventText(error.field, LIMITS.metadataValueLength) }) },
      })
      .catch((failure: unknown) => this.logger.error(`audit event of a refused legal_hold.${change} was not delivered: ${String(failure)}`));
  }

  /** The organization's holds (active only unless `all`), newest first. */
  async active(organizationId: string, all = false): Promise<LegalHoldView[]> {
    return views(await this.holds.records(organizationId)).filter((view) => all || view.status === 'active');
  }

  /**
   * The first link a hold on `window` keeps: the lowest of the window's stored links and the link
   * after the head read first (a row stored meanwhile gets a later sequence, so it is held either
   * way); without a window 0, every row of the organization.
   */
  private async firstHeldSeq(organizationId: string, window: HoldWindow | null): Promise<number> {
    if (!window) return 0;
    const head = (await this.heads.latest([organizationId])).get(organizationId)?.chain_seq ?? 0;
    const first = await this.holds.firstSeqIn(organizationId, window);
    return Math.min(first ?? Number.POSITIVE_INFINITY, head + 1);
  }

  /**
   * Puts a new hold in force: the gate learns it, and links a statement already covers but the
   * hold now keeps get their parts' TTL metadata recomputed — a merge drops a part whose every row
   * its metadata calls expired without looking at the rows again.
   */
  private async enforce(organizationId: string, fromSeq: number): Promise<void> {
    await this.gate.reload();
    const expired = (await this.expiries.newest(organizationId))?.chainSeq ?? 0;
    if (expired >= fromSeq) await this.gate.materializeTtl(await this.gate.partitionsHolding(organizationId, expired));
  }

  private async audit(principal: Principal, record: LegalHoldRecord): Promise<void> {
    try {
      await this.recorder.record({
        organizationId: record.organizationId,
        actor: { id: principal.subject, type: 'user', ...(principal.email && { email: principal.email }) },
        action: record.action === 'place' ? 'legal_hold.place' : 'legal_hold.release',
        resource: { type: 'LegalHold', id: record.holdId },
        status: 'success',
        metadata: {
          role: principal.role,
          reason: record.reason,
          fromSeq: record.fromSeq,
          ...(record.window?.from !== undefined && { from: record.window.from }),
          ...(record.window?.to !== undefined && { to: record.window.to }),
        },
      });
    } catch {
      throw new ApiError({
        statusCode: HttpStatus.SERVICE_UNAVAILABLE,
        code: 'audit_unavailable',
        message: `the legal hold change was stored, but its audit event was not acknowledged yet; it is delivered once the broker is back`,
      });
    }
  }
}

function actorOf(principal: Principal): LegalHoldRecord['actor'] {
  return { id: principal.subject, email: principal.email ?? '', role: principal.role };
}
