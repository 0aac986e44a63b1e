export { ClickHouseConfig } from './clickhouse.config';
export { createClickHouseClient, type ClickHouseHandle, type ClickHouseMode } from './clickhouse-client.factory';
export { defaultMigrationsDir, loadMigrations, renderMigration, runMigrations, type MigrationOptions, type MigrationReport } from './schema/migration.runner';
export { fromAuditEventRow, fromClickHouseTime, toAuditEventRow, toEventColumns, toClickHouseTime, type AuditEventRow, type KafkaLineage } from './events/audit-event.row';
export { AuditEventsWriteRepository, chainedJsonEachRowLine, toJsonEachRowLine, type InsertOptions } from './events/audit-events-write.repository';
export {
  AUDIT_EVENT_COLUMNS,
  AuditEventsReadRepository,
  DEFAULT_READ_LIMITS,
  readSettingsClause,
  type AuditEventAttributes,
  type AuditEventsFilter,
  type FacetCount,
  type OldestStoredEvent,
  type Facets,
  type Page,
  type PageRequest,
  type ReadLimits,
  type TenantScope,
} from './events/audit-events-read.repository';
export { keyOf, type EventKey } from './events/event.key';
export { type TextBatch } from './export/text-batch.reader';
export { AuditEventsTailRepository, type PartitionRows, type TailPosition, type TailRow } from './events/audit-events-tail.repository';
export { AuditAggregationsRepository, TOP_DIMENSIONS, type HistogramBucket, type TopDimension, type TopValue } from './events/audit-aggregations.repository';
export { ClickHouseModule, CLICKHOUSE } from './clickhouse.module';
export { AuditChainHeadsReader, type ChainHeadRecord } from './chain/audit-chain-heads.reader';
export { AuditChainRepository, chainTimeText, type AuditChainRepositoryOptions, type OrganizationHead, type RetainedLink } from './chain/audit-chain.repository';
export { AuditExpiryRepository } from './retention/audit-expiry.repository';
export { LegalHoldRepository, type HoldActor, type HoldWindow, type LegalHoldRecord } from './retention/legal-hold.repository';
export { RetentionGateRepository, type RetentionGateOptions } from './retention/retention-gate.repository';
export { LeastPrivilegeConfig } from './schema/least-privilege.config';
export { provisionLeastPrivilegeUsers, renderLeastPrivilegeSql, SERVICE_GRANTS, type LeastPrivilegeOptions, type ServiceAccount } from './schema/least-privilege.provisioner';
