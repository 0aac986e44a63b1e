import type { ClickHouseClient } from '@clickhouse/client';
import type { AuditEventRow } from './audit-event.row';

export interface AuditEventsWindow {
  from: string;
  to: string;
  limit: number;
}

/** Read side of the audit log. Every method takes the organization first: no query forgets it. */
export class AuditEventsReadRepository {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
  ) {}

  /** Newest first within [from, to). A re-sent event is shown once (`LIMIT 1 BY event_id`). */
  async findNewest(organizationId: string, window: AuditEventsWindow): Promise<AuditEventRow[]> {
    const result = await this.client.query({
      query: `
        SELECT * EXCEPT (ingested_at)
        FROM ${this.database}.audit_events
        WHERE organization_id = {organizationId:String}
          AND occurred_at >= {from:DateTime64(3, 'UTC')}
          AND occurred_at < {to:DateTime64(3, 'UTC')}
        ORDER BY occurred_at DESC, event_id DESC
        LIMIT 1 BY event_id
        LIMIT {limit:UInt32}`,
      query_params: { organizationId, from: window.from, to: window.to, limit: window.limit },
      format: 'JSONEachRow',
      clickhouse_settings: { max_execution_time: 10 },
    });
    return result.json<AuditEventRow>();
  }
}
