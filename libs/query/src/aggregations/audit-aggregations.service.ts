import { AuditAggregationsRepository } from '@audit/clickhouse';
import { Injectable } from '@nestjs/common';
import { ReadAuditTrail } from '../audit-trail/read-audit.trail';
import type { Principal } from '../auth/principal';
import { invalidParameter } from '../http/api-errors';
import { AuditReadCaches } from '../audit-logs/audit-read.caches';
import { describe } from '../audit-logs/audit-logs.filters';
import { AuditLogsService } from '../audit-logs/audit-logs.service';
import type { AuditLogsHistogramQueryDto, AuditLogsTopQueryDto } from './aggregations-query.dto';
import { autoInterval, bucketCount, fillBuckets, HISTOGRAM_INTERVALS, MAX_BUCKETS } from './histogram.interval';
import type { AuditLogHistogramView, AuditLogTopView } from './aggregations-response.dto';

/**
 * The security team's counts: a histogram of the filtered events and top lists. Resolved like every
 * read (tenant scope from the token, window defaults and bounds, `q`), audited like every read
 * (the answer waits for its audit event's acknowledgement), served from the read cache when the
 * same tenant asked the same within QUERY_CACHE_MS.
 */
@Injectable()
export class AuditAggregationsService {
  constructor(
    private readonly reads: AuditLogsService,
    private readonly aggregations: AuditAggregationsRepository,
    private readonly trail: ReadAuditTrail,
    private readonly caches: AuditReadCaches,
  ) {}

  /** A cross-organization histogram is recorded once, in the reader's organization: it holds counts, no organization's data. */
  async histogram(principal: Principal, query: AuditLogsHistogramQueryDto, signal?: AbortSignal): Promise<string> {
    const { scope, filter, fingerprint, q } = this.reads.resolve(principal, query);
    const [from, to] = [Date.parse(filter.from), Date.parse(filter.to)];
    const interval = query.interval === 'auto' ? autoInterval(from, to) : query.interval;
    const seconds = HISTOGRAM_INTERVALS[interval];
    if (bucketCount(from, to, seconds) > MAX_BUCKETS) {
      throw invalidParameter('interval', 'maxBuckets', `interval ${interval} would give more than ${MAX_BUCKETS} buckets over this window: choose a wider one or auto`);
    }
    const [, answer] = await Promise.all([
      this.trail.record(principal, 'view', scope, { endpoint: 'histogram', interval, ...describe(filter, q) }),
      this.caches.aggregations.read(
        `histogram|${fingerprint}|${interval}|${filter.from}|${filter.to}`,
        async (shared) => {
          const counted = await this.aggregations.histogram(scope, filter, seconds, shared);
          const view: AuditLogHistogramView = { interval, window: { from: filter.from, to: filter.to }, buckets: fillBuckets(from, to, seconds, counted) };
          return { json: JSON.stringify(view), organizations: [] };
        },
        signal,
      ),
    ]);
    return answer.json;
  }

  /**
   * A top list. Actors and resources name things of one organization: a cross-organization list is
   * recorded also in each organization it names, before it is sent, as a cross-organization page is.
   */
  async top(principal: Principal, query: AuditLogsTopQueryDto, signal?: AbortSignal): Promise<string> {
    const { scope, filter, fingerprint, q } = this.reads.resolve(principal, query);
    const details = { endpoint: 'top', by: query.by, limit: String(query.limit), ...describe(filter, q) };
    const [, answer] = await Promise.all([
      this.trail.record(principal, 'view', scope, details),
      this.caches.aggregations.read(
        `top|${fingerprint}|${query.by}|${query.limit}|${filter.from}|${filter.to}`,
        async (shared) => {
          const values = await this.aggregations.top(scope, filter, query.by, query.limit, shared);
          const view: AuditLogTopView = { by: query.by, window: { from: filter.from, to: filter.to }, values };
          return { json: JSON.stringify(view), organizations: [...new Set(values.map((value) => value.organizationId).filter(Boolean))] };
        },
        signal,
      ),
    ]);
    if (scope === 'all') await this.trail.recordSources(principal, 'view', answer.organizations, details);
    return answer.json;
  }
}
