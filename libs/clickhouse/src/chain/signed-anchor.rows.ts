import type { SignedChainCheckpoint, SignedExpiryStatement } from '@audit/integrity';
import { fromClickHouseTime } from '../events/audit-event.row';

/** A row of `audit_chain_checkpoints`. */
export interface CheckpointRow {
  organization_id: string;
  chain_seq: string | number;
  chain_hash: string;
  signed_at: string;
  key_id: string;
  signature: string;
}

/** A row of `audit_expiry_statements`: a checkpoint's fields and the expiry it states. */
export interface StatementRow extends CheckpointRow {
  expired_at: string;
}

export function toCheckpoint(row: CheckpointRow): SignedChainCheckpoint {
  return {
    organizationId: row.organization_id,
    chainSeq: Number(row.chain_seq),
    chainHash: row.chain_hash,
    signedAt: fromClickHouseTime(row.signed_at),
    keyId: row.key_id,
    signature: row.signature,
  };
}

export function toStatement(row: StatementRow): SignedExpiryStatement {
  return { ...toCheckpoint(row), expiredAt: fromClickHouseTime(row.expired_at) };
}
