import type { AuditChange, AuditEvent } from '@audit/contract';
import type { ChainedColumns } from '@audit/integrity';

/**
 * One row of `audit_events` as ClickHouse stores it (snake_case; absent values are ''): the event's
 * columns — the ones its hash-chain link covers, defined once in libs/integrity — plus lineage and
 * the link itself.
 */
export interface AuditEventRow extends ChainedColumns {
  /** Lineage: the topic, partition and offset the row was consumed from. */
  kafka_topic?: string;
  kafka_partition: number;
  kafka_offset: string | number;
  ingested_at?: string;
  /** Tamper evidence (libs/integrity): position in the organization's hash chain; 0 = before the chain existed. */
  chain_seq?: number | string;
  chain_prev_hash?: string;
  chain_hash?: string;
  /** How long this row is kept (the organization's retention when it was stored). */
  retention_days?: number;
  /**
   * SHA-256 of the event's columns, computed by ClickHouse at insert (migration 0003), as
   * lower-case hex when read: identical copies share it, a reused id with other content does not.
   */
  content_digest?: string;
  /** Read-side only: the organization also stored other content under this id and time (a page marks both). */
  id_conflict?: boolean;
}

/** Where a row came from in Kafka: every stored row can be traced back to its message. */
export interface KafkaLineage {
  topic: string;
  partition: number;
  offset: string;
}

/** ISO-8601 `2026-01-31T12:00:00.000Z` → ClickHouse DateTime64 text `2026-01-31 12:00:00.000`. */
export function toClickHouseTime(iso: string): string {
  return iso.slice(0, 23).replace('T', ' ');
}

/**
 * ClickHouse DateTime64(3, 'UTC') text → ISO-8601 with `Z`. Accepts both output forms: `simple`
 * (chDB's default, `2026-01-31 12:00:00.000`) and `iso` (what the server client asks for).
 */
export function fromClickHouseTime(text: string): string {
  return text.endsWith('Z') ? text : `${text.replace(' ', 'T')}Z`;
}

/** The event's columns (what a chain link covers), without lineage: the ingester's per-event form. */
export function toEventColumns(event: AuditEvent): ChainedColumns {
  return {
    event_id: event.id,
    organization_id: event.organizationId,
    occurred_at: toClickHouseTime(event.occurredAt),
    actor_id: event.actor.id,
    actor_type: event.actor.type,
    actor_name: event.actor.name ?? '',
    actor_email: event.actor.email ?? '',
    actor_ip: event.actor.ip ?? '',
    actor_user_agent: event.actor.userAgent ?? '',
    action: event.action,
    resource_type: event.resource.type,
    resource_id: event.resource.id,
    resource_name: event.resource.name ?? '',
    status: event.status,
    reason: event.reason ?? '',
    request_id: event.requestId ?? '',
    session_id: event.sessionId ?? '',
    changes: event.changes ? JSON.stringify(event.changes) : '',
    metadata: event.metadata ? JSON.stringify(event.metadata) : '',
    schema_version: event.schemaVersion,
  };
}

export function toAuditEventRow(event: AuditEvent, lineage: KafkaLineage): AuditEventRow {
  return Object.assign(toEventColumns(event), { kafka_topic: lineage.topic, kafka_partition: lineage.partition, kafka_offset: lineage.offset });
}

/**
 * A stored row back in the contract's shape (what the API returns), in the contract's field order.
 * Empty columns are absent fields, so the result serializes exactly like the event that was sent.
 */
export function fromAuditEventRow(row: AuditEventRow): AuditEvent {
  return {
    id: row.event_id,
    occurredAt: fromClickHouseTime(row.occurred_at),
    organizationId: row.organization_id,
    actor: {
      id: row.actor_id,
      type: row.actor_type as AuditEvent['actor']['type'],
      ...(row.actor_name !== '' && { name: row.actor_name }),
      ...(row.actor_email !== '' && { email: row.actor_email }),
      ...(row.actor_ip !== '' && { ip: row.actor_ip }),
      ...(row.actor_user_agent !== '' && { userAgent: row.actor_user_agent }),
    },
    action: row.action,
    resource: { type: row.resource_type, id: row.resource_id, ...(row.resource_name !== '' && { name: row.resource_name }) },
    status: row.status as AuditEvent['status'],
    ...(row.reason !== '' && { reason: row.reason }),
    ...(row.request_id !== '' && { requestId: row.request_id }),
    ...(row.session_id !== '' && { sessionId: row.session_id }),
    ...(row.changes !== '' && { changes: JSON.parse(row.changes) as AuditChange[] }),
    ...(row.metadata !== '' && { metadata: JSON.parse(row.metadata) as AuditEvent['metadata'] }),
    schemaVersion: 1,
  };
}
