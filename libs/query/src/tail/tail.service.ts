import { AuditEventsTailRepository, fromAuditEventRow, type AuditEventAttributes, type TailPosition, type TenantScope } from '@audit/clickhouse';
import type { AuditEvent } from '@audit/contract';
import { Injectable } from '@nestjs/common';
import { attributesOf, describe, fingerprintOf } from '../audit-logs/audit-logs.filters';
import { parseInstant } from '../audit-logs/audit-logs.service';
import { parseSearch } from '../audit-logs/search.resolver';
import { ReadAuditTrail, type ReadDetails } from '../audit-trail/read-audit.trail';
import { readScope } from '../auth/organization.scope';
import type { Principal } from '../auth/principal';
import { invalidParameter } from '../http/api-errors';
import { QueryLimitsConfig } from '../limits/query-limits.config';
import { mergeTail, type TailStep } from './tail-page.merge';
import { TailCursorCodec } from './tail-cursor.codec';
import type { AuditLogsTailFilterDto, AuditLogsTailQueryDto } from './tail-query.dto';

/** A tail request resolved against the principal: whose rows, which filters, which fingerprint. */
export interface ResolvedTail {
  scope: TenantScope;
  attributes: AuditEventAttributes;
  fingerprint: string;
  /** ISO-8601, when the tail starts at a time rather than a cursor. */
  since?: string;
  /** The search (`q`) in its canonical text, for the read's audit event. */
  q?: string;
}

export interface TailPage {
  /** In order of arrival (each event with its organization's chain sequence in `chainSeq`). */
  data: Array<AuditEvent & { chainSeq: number }>;
  /** Where the next poll starts; the same text as `after` when nothing new was stored. */
  next: string;
  /** More is stored beyond `next` now: poll again at once rather than after a pause. */
  hasMore: boolean;
}

/** A page read, before it is encoded: the stream writes it event by event. */
export interface TailRead {
  steps: TailStep[];
  next: Map<number, number>;
  hasMore: boolean;
  /** The newest fully stored position the read went by (given, or read for it). */
  horizon: TailPosition;
}

/**
 * The audit log in order of arrival (see {@link AuditEventsTailRepository}): pages that follow
 * each other by cursor with no gap and no copy, for pollers and for the stream. The scope and the
 * filters are the list's; a cursor is bound to them.
 */
@Injectable()
export class TailService {
  constructor(
    private readonly tail: AuditEventsTailRepository,
    private readonly cursors: TailCursorCodec,
    private readonly trail: ReadAuditTrail,
    private readonly limits: QueryLimitsConfig,
  ) {}

  resolve(principal: Principal, query: AuditLogsTailFilterDto): ResolvedTail {
    const scope = readScope(principal, query.organizationId);
    const search = query.q === undefined ? undefined : parseSearch(query.q);
    if (search?.from !== undefined || search?.to !== undefined) {
      throw invalidParameter('q', 'createdInTail', 'q: the tail takes no created: terms (a window on occurredAt would hide late events); start it with since= instead');
    }
    const attributes: AuditEventAttributes = { ...attributesOf(query), ...(search && search.clauses.length > 0 && { search: search.clauses }) };
    const fingerprint = fingerprintOf(scope, query, { q: search?.text, tail: '1' });
    const since = query.since === undefined ? undefined : new Date(parseInstant('since', query.since)).toISOString();
    return { scope, attributes, fingerprint, ...(since && { since }), ...(search && { q: search.text }) };
  }

  /** What the read's audit event says about it. */
  details(endpoint: 'tail' | 'stream', resolved: ResolvedTail, cursor: boolean): ReadDetails {
    return { endpoint, ...describe(resolved.attributes, resolved.q), since: resolved.since, cursor };
  }

  /**
   * One poll: the events after `after` (or from `since`, or none: the newest position), audited
   * like a list read — the query runs while the read's event is acknowledged, and the page waits
   * for it; a security-role read of every organization is recorded in each organization it returns
   * rows of before they leave.
   */
  async poll(principal: Principal, query: AuditLogsTailQueryDto, signal?: AbortSignal): Promise<TailPage> {
    const resolved = this.resolve(principal, query);
    const details = this.details('tail', resolved, query.after !== undefined);
    const [, page] = await Promise.all([
      this.trail.record(principal, 'view', resolved.scope, details),
      this.start(resolved, query.after, signal).then((position) => this.read(resolved, position, query.limit, undefined, signal)),
    ]);
    if (resolved.scope === 'all') await this.trail.recordSources(principal, 'view', [...new Set(page.steps.map((step) => step.row.organization_id))], details);
    return { data: page.steps.map((step) => shown(step)), next: this.cursors.encode(page.next, resolved.fingerprint), hasMore: page.hasMore };
  }

  /** The position a tail starts at: the cursor's, else the first event stored from `since`, else the newest. */
  async start(resolved: ResolvedTail, after: string | undefined, signal?: AbortSignal): Promise<Map<number, number>> {
    if (after !== undefined) return this.cursors.decode(after, resolved.fingerprint);
    const horizon = await this.tail.horizon(signal);
    return resolved.since === undefined ? horizon : this.tail.positionAt(resolved.scope, resolved.since, horizon, signal);
  }

  /**
   * Up to `limit` events after `position`, read up to the newest fully stored position (`horizon`,
   * read now when not given) and at most QUERY_TAIL_SCAN_OFFSETS offsets of each partition further.
   */
  async read(resolved: ResolvedTail, position: TailPosition, limit: number, horizon?: TailPosition, signal?: AbortSignal): Promise<TailRead> {
    const newest = horizon ?? (await this.tail.horizon(signal));
    const end = new Map<number, number>();
    for (const [partition, stop] of newest) end.set(partition, Math.min(stop, (position.get(partition) ?? 0) + this.limits.QUERY_TAIL_SCAN_OFFSETS));
    const rows = await this.tail.read(resolved.scope, resolved.attributes, position, end, limit, signal);
    const { steps, next } = mergeTail(position, end, rows, limit);
    const hasMore = [...newest].some(([partition, stop]) => (next.get(partition) ?? 0) < stop);
    return { steps, next, hasMore, horizon: newest };
  }

  cursor(position: TailPosition, resolved: ResolvedTail): string {
    return this.cursors.encode(position, resolved.fingerprint);
  }
}

/** An event as the tail shows it: the contract's fields plus its place in its organization's chain. */
export function shown(step: TailStep): AuditEvent & { chainSeq: number } {
  return { ...fromAuditEventRow(step.row), chainSeq: step.row.chain_seq };
}
