import type { ClickHouseClient } from '@clickhouse/client';
import type { AuditEventRow } from './audit-event.row';

export interface InsertOptions {
  /**
   * Same token, same block: ClickHouse drops a retried insert whose token it has seen within the
   * table's deduplication window. Derive it from the Kafka offsets the rows came from.
   */
  deduplicationToken: string;
}

/** The only write path to the audit log: append rows. There is no update or delete. */
export class AuditEventsWriteRepository {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
  ) {}

  async insert(rows: AuditEventRow[], options: InsertOptions): Promise<void> {
    if (rows.length === 0) return;
    await this.client.insert({
      table: `${this.database}.audit_events`,
      values: rows,
      format: 'JSONEachRow',
      clickhouse_settings: {
        insert_deduplication_token: options.deduplicationToken,
        insert_deduplicate: 1,
      },
    });
  }
}
