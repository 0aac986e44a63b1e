import { AuditChainRepository } from '@audit/clickhouse';
import { readPublicKey, verifyStoredChain, type ChainReport, type LinkHasher, type SigningKey } from '@audit/integrity';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { parseInstant } from '../audit-logs/audit-logs.service';
import { ReadAuditTrail } from '../audit-trail/read-audit.trail';
import { singleOrganization } from '../auth/organization.scope';
import type { Principal } from '../auth/principal';
import { invalidParameter } from '../http/api-errors';
import { QueryConfig } from '../query.config';
import type { ChainVerifyQueryDto } from './chain-verify-query.dto';

/** Injection token of the public key that checks checkpoint signatures (null: none configured). */
export const CHAIN_PUBLIC_KEY = Symbol('CHAIN_PUBLIC_KEY');

/** Injection token of the {@link LinkHasher} that recomputes link hashes off the event loop. */
export const LINK_HASHER = Symbol('LINK_HASHER');

/**
 * AUDIT_CHAIN_PUBLIC_KEY (SPKI PEM or base64 DER), else the public half of the signing key when
 * this process has it (all-in-one). Without either, checkpoints are compared but their signatures
 * are reported `unverified`. A malformed key stops the boot, naming the variable.
 */
export function loadChainPublicKey(config: QueryConfig, signingKey: SigningKey | null): KeyObject | null {
  if (config.AUDIT_CHAIN_PUBLIC_KEY) {
    try {
      return readPublicKey(config.AUDIT_CHAIN_PUBLIC_KEY);
    } catch (error) {
      throw new Error(`AUDIT_CHAIN_PUBLIC_KEY is not an Ed25519 public key (SPKI PEM or base64 DER): ${(error as Error).message}`);
    }
  }
  if (signingKey) return signingKey.publicKey;
  new Logger('ChainVerifyService').warn('neither AUDIT_CHAIN_PUBLIC_KEY nor AUDIT_CHAIN_SIGNING_KEY is set: checkpoint signatures are reported unverified');
  return null;
}

/** `GET /v1/audit-logs/verify`: recomputes an organization's hash chain over a range (libs/integrity). */
@Injectable()
export class ChainVerifyService {
  constructor(
    private readonly chains: AuditChainRepository,
    private readonly config: QueryConfig,
    private readonly trail: ReadAuditTrail,
    @Inject(CHAIN_PUBLIC_KEY) private readonly publicKey: KeyObject | null,
    @Inject(LINK_HASHER) private readonly hasher: LinkHasher,
  ) {}

  /**
   * Audited like a read (action `view`, endpoint `verify`): the check starts once the event is
   * acknowledged — it can hash up to QUERY_VERIFY_MAX_ROWS links, work not to spend on a read that
   * a broker outage refuses anyway. `complete: false` and `nextSeq` say where it stopped. The
   * link hashes are recomputed on the hashing threads.
   */
  async verify(principal: Principal, query: ChainVerifyQueryDto, signal?: AbortSignal): Promise<ChainReport> {
    const organizationId = singleOrganization(principal, query.organizationId, 'a chain is per organization');
    const from = query.from === undefined ? undefined : new Date(parseInstant('from', query.from)).toISOString();
    const to = query.to === undefined ? undefined : new Date(parseInstant('to', query.to)).toISOString();
    if (from !== undefined && to !== undefined && from > to) throw invalidParameter('from', 'notAfterTo', 'from must not be after to');
    await this.trail.record(principal, 'view', { organizationId }, { endpoint: 'verify', from, to });
    return verifyStoredChain(this.chains, {
      organizationId,
      from,
      to,
      maxRows: this.config.QUERY_VERIFY_MAX_ROWS,
      ...(this.publicKey && { publicKey: this.publicKey }),
      hasher: this.hasher,
      signal,
    });
  }
}
