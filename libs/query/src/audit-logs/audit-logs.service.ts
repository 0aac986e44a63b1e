import { AuditEventsReadRepository, fromAuditEventRow, toClickHouseTime } from '@audit/clickhouse';
import type { AuditEvent } from '@audit/contract';
import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { QueryConfig } from '../query.config';

const DAY_MS = 86_400_000;

@Injectable()
export class AuditLogsService {
  constructor(
    private readonly events: AuditEventsReadRepository,
    private readonly config: QueryConfig,
  ) {}

  async list(principal: Principal): Promise<{ data: AuditEvent[]; nextCursor: string | null; prevCursor: string | null }> {
    const now = Date.now();
    const rows = await this.events.findNewest(principal.organizationId, {
      from: toClickHouseTime(new Date(now - this.config.QUERY_DEFAULT_WINDOW_DAYS * DAY_MS).toISOString()),
      to: toClickHouseTime(new Date(now + 60_000).toISOString()),
      limit: 50,
    });
    return { data: rows.map(fromAuditEventRow), nextCursor: null, prevCursor: null };
  }
}
