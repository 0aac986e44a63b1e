import {
  AuditChainRepository,
  AuditExpiryRepository,
  CLICKHOUSE,
  ClickHouseConfig,
  LegalHoldRepository,
  RetentionGateRepository,
  type ClickHouseHandle,
} from '@audit/clickhouse';
import { loadSigningKey, RetentionPolicy, type SigningKey } from '@audit/integrity';
import { IngestMetrics } from '@audit/observability';
import { Logger, type Provider } from '@nestjs/common';
import { ChainCheckpointWriter } from './chain-checkpoint.writer';
import { ExpiryStatementWriter } from './expiry-statement.writer';
import type { IngestConfig } from '../ingest.config';
import { messageOf } from './interval.rounds';
import { StoredEventsPublisher } from '../projection/stored-events.publisher';

/**
 * The writers of what the deployment's key signs — chain checkpoints and expiry statements — as
 * IngestModule's providers, when AUDIT_CHAIN_SIGNING_KEY is set. Without a key there are neither,
 * the boot log says so, and chained rows are kept: the TTL removes no link without a signed expiry
 * statement. A key that is not Ed25519 PKCS#8 stops the boot with a message that names the
 * variable but never prints the key.
 */
export function signedAnchorProviders(config: IngestConfig): Provider[] {
  if (!config.AUDIT_CHAIN_SIGNING_KEY) {
    new Logger(ChainCheckpointWriter.name).warn('AUDIT_CHAIN_SIGNING_KEY is not set: chain checkpoints are not signed, and no chained event expires (expiry needs signed statements)');
    return [];
  }
  let key: SigningKey;
  try {
    key = loadSigningKey(config.AUDIT_CHAIN_SIGNING_KEY);
  } catch (error) {
    throw new Error(`AUDIT_CHAIN_SIGNING_KEY must be an Ed25519 private key (PKCS#8 PEM or base64 DER): ${messageOf(error)}`);
  }
  return [
    {
      provide: ChainCheckpointWriter,
      inject: [CLICKHOUSE, ClickHouseConfig, StoredEventsPublisher],
      useFactory: (clickhouse: ClickHouseHandle, clickhouseConfig: ClickHouseConfig, publisher: StoredEventsPublisher) =>
        new ChainCheckpointWriter(new AuditChainRepository(clickhouse.client, clickhouseConfig.CLICKHOUSE_DATABASE), key, {
          intervalMs: config.AUDIT_CHECKPOINT_INTERVAL_MS,
          file: config.AUDIT_CHECKPOINT_FILE,
          publisher: config.INGEST_PUBLISH_STORED ? publisher : undefined,
        }),
    },
    {
      provide: ExpiryStatementWriter,
      inject: [CLICKHOUSE, ClickHouseConfig, { token: IngestMetrics, optional: true }],
      useFactory: (clickhouse: ClickHouseHandle, clickhouseConfig: ClickHouseConfig, metrics?: IngestMetrics) => {
        const { client } = clickhouse;
        const database = clickhouseConfig.CLICKHOUSE_DATABASE;
        return new ExpiryStatementWriter(
          {
            chains: new AuditChainRepository(client, database),
            expiries: new AuditExpiryRepository(client, database),
            holds: new LegalHoldRepository(client, database),
            gate: new RetentionGateRepository(client, database, { topology: clickhouseConfig.CLICKHOUSE_TOPOLOGY, cluster: clickhouseConfig.CLICKHOUSE_CLUSTER }),
          },
          key,
          {
            intervalMs: config.AUDIT_EXPIRY_INTERVAL_MS,
            file: config.AUDIT_CHECKPOINT_FILE,
            maxLinksPerRound: config.AUDIT_EXPIRY_MAX_LINKS,
            retentionDaysFor: RetentionPolicy.fromConfig(clickhouseConfig).retentionDaysFor,
          },
          metrics,
        );
      },
    },
  ];
}
