import type { ClickHouseClient } from '@clickhouse/client';
import { fromClickHouseTime, toClickHouseTime } from '../events/audit-event.row';
import { FOREGROUND_INSERT } from './audit-expiry.repository';

/** Who placed or released a hold (from the verified token). */
export interface HoldActor {
  id: string;
  email: string;
  role: string;
}

/** A window on occurred_at, ISO-8601, [from, to); either end may be open. */
export interface HoldWindow {
  from?: string;
  to?: string;
}

/** One row of `audit_legal_holds`: a hold placed, or released. */
export interface LegalHoldRecord {
  holdId: string;
  organizationId: string;
  action: 'place' | 'release';
  /** The first link the hold keeps (with every later one); 0: every row, unchained ones too. */
  fromSeq: number;
  window: HoldWindow | null;
  reason: string;
  actor: HoldActor;
  /** ISO-8601. */
  recordedAt: string;
}

interface HoldRow {
  hold_id: string;
  organization_id: string;
  action: 'place' | 'release';
  from_seq: string | number;
  window_from: string | null;
  window_to: string | null;
  reason: string;
  actor_id: string;
  actor_email: string;
  actor_role: string;
  recorded_at: string;
}

function toRecord(row: HoldRow): LegalHoldRecord {
  const window = row.window_from === null && row.window_to === null ? null : {
    ...(row.window_from !== null && { from: fromClickHouseTime(row.window_from) }),
    ...(row.window_to !== null && { to: fromClickHouseTime(row.window_to) }),
  };
  return {
    holdId: row.hold_id,
    organizationId: row.organization_id,
    action: row.action,
    fromSeq: Number(row.from_seq),
    window,
    reason: row.reason,
    actor: { id: row.actor_id, email: row.actor_email, role: row.actor_role },
    recordedAt: fromClickHouseTime(row.recorded_at),
  };
}

/**
 * Legal holds (`audit_legal_holds`), append-only: placing a hold and releasing it are two rows with
 * the same hold id; a hold is active until its release row exists. Per-organization reads bind the
 * organization; `activeFromSeqs` spans every organization for the expiry job.
 */
export class LegalHoldRepository {
  private readonly table: string;
  private readonly eventsTable: string;

  constructor(
    private readonly client: ClickHouseClient,
    database: string,
  ) {
    this.table = `${database}.audit_legal_holds`;
    this.eventsTable = `${database}.audit_events`;
  }

  async record(record: LegalHoldRecord): Promise<void> {
    await this.client.insert({
      table: this.table,
      format: 'JSONEachRow',
      clickhouse_settings: FOREGROUND_INSERT,
      values: [
        {
          hold_id: record.holdId,
          organization_id: record.organizationId,
          action: record.action,
          from_seq: record.fromSeq,
          window_from: record.window?.from === undefined ? null : toClickHouseTime(record.window.from),
          window_to: record.window?.to === undefined ? null : toClickHouseTime(record.window.to),
          reason: record.reason,
          actor_id: record.actor.id,
          actor_email: record.actor.email,
          actor_role: record.actor.role,
          recorded_at: toClickHouseTime(record.recordedAt),
        },
      ],
    });
  }

  /** Every row of an organization's holds, oldest first. */
  async records(organizationId: string): Promise<LegalHoldRecord[]> {
    const result = await this.client.query({
      query: `SELECT hold_id, organization_id, action, from_seq, window_from, window_to, reason, actor_id, actor_email, actor_role, recorded_at
              FROM ${this.table} WHERE organization_id = {organizationId:String}
              ORDER BY recorded_at, action SETTINGS max_execution_time = 30`,
      query_params: { organizationId },
      format: 'JSONEachRow',
    });
    return (await result.json<HoldRow>()).map(toRecord);
  }

  /** Per organization with an active hold, the first link any of its active holds keeps. */
  async activeFromSeqs(): Promise<Map<string, number>> {
    const result = await this.client.query({
      query: `SELECT organization_id, min(from_seq) AS from_seq FROM (
                SELECT organization_id, hold_id, min(from_seq) AS from_seq FROM ${this.table}
                GROUP BY organization_id, hold_id HAVING countIf(action = 'release') = 0)
              GROUP BY organization_id SETTINGS max_execution_time = 60`,
      format: 'JSONEachRow',
    });
    return new Map((await result.json<{ organization_id: string; from_seq: string | number }>()).map((row) => [row.organization_id, Number(row.from_seq)]));
  }

  /** The organizations with a hold released at or after `since` (ISO-8601). */
  async releasedSince(since: string): Promise<string[]> {
    const result = await this.client.query({
      query: `SELECT DISTINCT organization_id FROM ${this.table}
              WHERE action = 'release' AND recorded_at >= {since:DateTime64(3, 'UTC')} SETTINGS max_execution_time = 60`,
      query_params: { since: toClickHouseTime(since) },
      format: 'JSONEachRow',
    });
    return (await result.json<{ organization_id: string }>()).map((row) => row.organization_id);
  }

  /** The lowest chain_seq among the stored rows of the organization whose events lie in `window` (0 if one is unchained). */
  async firstSeqIn(organizationId: string, window: HoldWindow): Promise<number | undefined> {
    const conditions = ['organization_id = {organizationId:String}'];
    if (window.from !== undefined) conditions.push("occurred_at >= {from:DateTime64(3, 'UTC')}");
    if (window.to !== undefined) conditions.push("occurred_at < {to:DateTime64(3, 'UTC')}");
    const result = await this.client.query({
      query: `SELECT min(chain_seq) AS first, count() AS rows FROM ${this.eventsTable} WHERE ${conditions.join(' AND ')} SETTINGS max_execution_time = 60`,
      query_params: {
        organizationId,
        ...(window.from !== undefined && { from: toClickHouseTime(window.from) }),
        ...(window.to !== undefined && { to: toClickHouseTime(window.to) }),
      },
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ first: string | number; rows: string | number }>();
    return row && Number(row.rows) > 0 ? Number(row.first) : undefined;
  }
}
