import type { ClickHouseClient } from '@clickhouse/client';
import { Readable } from 'node:stream';
import type { AuditEventRow } from './audit-event.row';
import type { ClickHouseHandle } from './clickhouse-client.factory';

export interface InsertOptions {
  /**
   * Same token, same block: ClickHouse drops a retried insert whose token it has seen within the
   * table's deduplication window. Derive it from the Kafka offsets the rows came from.
   */
  deduplicationToken: string;
}

/** One row as a JSONEachRow line (no trailing newline). */
export function toJsonEachRowLine(row: AuditEventRow): string {
  return JSON.stringify(row);
}

/** The only write path to the audit log: append rows. There is no update or delete. */
export class AuditEventsWriteRepository {
  private readonly table: string;

  /**
   * @param chdb the embedded engine's native surface, when there is one: its raw insert hands the
   *   bytes to the engine's parser (3–5× faster than `client.insert` on chDB). Without it (a
   *   server), the same bytes are streamed through `client.exec` — one format, one code path.
   */
  constructor(
    private readonly client: ClickHouseClient,
    database: string,
    private readonly chdb?: ClickHouseHandle['chdb'],
  ) {
    this.table = `${database}.audit_events`;
  }

  async insert(rows: AuditEventRow[], options: InsertOptions): Promise<void> {
    if (rows.length === 0) return;
    await this.insertJsonEachRow(Buffer.from(`${rows.map(toJsonEachRowLine).join('\n')}\n`), options);
  }

  /** Inserts pre-serialized JSONEachRow lines (`toJsonEachRowLine`, newline-terminated) as one block. */
  async insertJsonEachRow(body: Buffer, options: InsertOptions): Promise<void> {
    if (body.length === 0) return;
    const settings = { insert_deduplication_token: options.deduplicationToken, insert_deduplicate: 1 as const };
    if (this.chdb) {
      await this.chdb.rawInsert({ table: this.table, values: body, format: 'JSONEachRow', settings });
      return;
    }
    const result = await this.client.exec({
      query: `INSERT INTO ${this.table} FORMAT JSONEachRow`,
      values: Readable.from([body]),
      clickhouse_settings: settings,
    });
    result.stream.resume();
    await new Promise<void>((resolve, reject) => result.stream.once('end', resolve).once('close', resolve).once('error', reject));
  }
}
