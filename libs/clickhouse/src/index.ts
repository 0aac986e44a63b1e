export { ClickHouseConfig } from './clickhouse.config';
export { createClickHouseClient, type ClickHouseHandle, type ClickHouseMode } from './clickhouse-client.factory';
export { defaultMigrationsDir, loadMigrations, renderMigration, runMigrations, type MigrationOptions, type MigrationReport } from './migration.runner';
export { fromAuditEventRow, fromClickHouseTime, toAuditEventRow, toEventColumns, toClickHouseTime, type AuditEventRow, type KafkaLineage } from './audit-event.row';
export { AuditEventsWriteRepository, chainedJsonEachRowLine, toJsonEachRowLine, type InsertOptions } from './audit-events-write.repository';
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
} from './audit-events-read.repository';
export { AuditEventsTailRepository, type PartitionRows, type TailPosition, type TailRow } from './audit-events-tail.repository';
export { keyOf, type EventKey } from './event.key';
export { type TextBatch } from './text-batch.reader';
export { ClickHouseModule, CLICKHOUSE } from './clickhouse.module';
export { AuditChainHeadsReader, type ChainHeadRecord } from './audit-chain-heads.reader';
export { AuditChainRepository, chainTimeText, type AuditChainRepositoryOptions, type OrganizationHead, type RetainedLink } from './audit-chain.repository';
export { AuditExpiryRepository } from './audit-expiry.repository';
export { LegalHoldRepository, type HoldActor, type HoldWindow, type LegalHoldRecord } from './legal-hold.repository';
export { RetentionGateRepository, type RetentionGateOptions } from './retention-gate.repository';
export { LeastPrivilegeConfig } from './least-privilege.config';
export { provisionLeastPrivilegeUsers, renderLeastPrivilegeSql, SERVICE_GRANTS, type LeastPrivilegeOptions, type ServiceAccount } from './least-privilege.provisioner';
