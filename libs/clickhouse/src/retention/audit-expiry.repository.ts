import type { ClickHouseClient } from '@clickhouse/client';
import type { SignedExpiryStatement } from '@audit/integrity';
import { toClickHouseTime } from '../events/audit-event.row';
import { toStatement, type StatementRow } from '../chain/signed-anchor.rows';
import { chunksWithinUrlBudget } from '../chain/url-parameter.chunks';

const STATEMENT_COLUMNS = 'organization_id, chain_seq, chain_hash, expired_at, signed_at, key_id, signature';

/**
 * Where a write lands before the call returns: on a cluster, the Distributed table forwards it to
 * its shard's local table synchronously, so a gate reload right after sees it.
 */
export const FOREGROUND_INSERT = { distributed_foreground_insert: 1 } as const;

/**
 * The signed expiry statements (`audit_expiry_statements`, libs/integrity): stored by the ingestor's
 * expiry job before the TTL may remove the links they cover, read by every verifier. Append-only.
 */
export class AuditExpiryRepository {
  private readonly table: string;

  constructor(
    private readonly client: ClickHouseClient,
    database: string,
  ) {
    this.table = `${database}.audit_expiry_statements`;
  }

  async insert(statements: SignedExpiryStatement[]): Promise<void> {
    if (statements.length === 0) return;
    await this.client.insert({
      table: this.table,
      format: 'JSONEachRow',
      clickhouse_settings: FOREGROUND_INSERT,
      values: statements.map((statement) => ({
        organization_id: statement.organizationId,
        chain_seq: statement.chainSeq,
        chain_hash: statement.chainHash,
        expired_at: toClickHouseTime(statement.expiredAt),
        signed_at: toClickHouseTime(statement.signedAt),
        key_id: statement.keyId,
        signature: statement.signature,
      })),
    });
  }

  /** An organization's newest statement (highest sequence, then latest signature). */
  async newest(organizationId: string): Promise<SignedExpiryStatement | undefined> {
    const result = await this.client.query({
      query: `SELECT ${STATEMENT_COLUMNS} FROM ${this.table} WHERE organization_id = {organizationId:String}
              ORDER BY chain_seq DESC, signed_at DESC LIMIT 1 SETTINGS max_execution_time = 30`,
      query_params: { organizationId },
      format: 'JSONEachRow',
    });
    const [row] = await result.json<StatementRow>();
    return row ? toStatement(row) : undefined;
  }

  /** The newest statement of each of `organizationIds` that has one (a verified export's manifest), in requests of bounded URL size. */
  async newestOf(organizationIds: string[]): Promise<Map<string, SignedExpiryStatement>> {
    const chunks = await Promise.all(
      chunksWithinUrlBudget(organizationIds).map(async (organizations) => {
        const result = await this.client.query({
          query: `SELECT ${STATEMENT_COLUMNS} FROM ${this.table} WHERE organization_id IN {organizations:Array(String)}
                  ORDER BY organization_id, chain_seq DESC, signed_at DESC LIMIT 1 BY organization_id SETTINGS max_execution_time = 30`,
          query_params: { organizations },
          format: 'JSONEachRow',
        });
        return result.json<StatementRow>();
      }),
    );
    return new Map(chunks.flat().map((row) => [row.organization_id, toStatement(row)]));
  }

  /** Every organization's newest statement (where the expiry job resumes). */
  async newestPerOrganization(): Promise<Map<string, SignedExpiryStatement>> {
    const result = await this.client.query({
      query: `SELECT ${STATEMENT_COLUMNS} FROM ${this.table}
              ORDER BY organization_id, chain_seq DESC, signed_at DESC LIMIT 1 BY organization_id SETTINGS max_execution_time = 60`,
      format: 'JSONEachRow',
    });
    return new Map((await result.json<StatementRow>()).map((row) => [row.organization_id, toStatement(row)]));
  }
}
