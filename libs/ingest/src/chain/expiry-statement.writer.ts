import type { AuditChainRepository, AuditExpiryRepository, LegalHoldRepository, RetentionGateRepository } from '@audit/clickhouse';
import { anchorLine, signExpiryStatement, type ChainBreak, type SignedExpiryStatement, type SigningKey } from '@audit/integrity';
import { Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { appendFile } from 'node:fs/promises';
import { expiredPrefix } from './expired-prefix';
import { IntervalRounds, messageOf } from './interval.rounds';

/** How far a hold release's recorded time (ClickHouse's clock) may lie before this process's. */
const CLOCK_MARGIN_MS = 60_000;

export interface ExpiryStatementWriterOptions {
  intervalMs: number;
  /** Also append each statement to this file (the anchor file, with the checkpoints). */
  file?: string;
  /** Most links one round verifies per organization (a round after a long pause catches up over several). */
  maxLinksPerRound: number;
  /** Days to keep an organization's events (for links stored before links carried their expiry). */
  retentionDaysFor: (organizationId: string) => number;
}

/** What the metrics learn from a round (ObservabilityModule's IngestMetrics in the app). */
export interface ExpiryObserver {
  expirySigned(count: number): void;
  expiryRefused(): void;
}

export interface ExpiryRound {
  signed: SignedExpiryStatement[];
  /** Organizations whose links could not be verified: nothing of theirs expires until this is resolved. */
  refused: Array<{ organizationId: string; break: ChainBreak }>;
}

export interface ExpiryStatementWriterStores {
  chains: Pick<AuditChainRepository, 'latestHeads' | 'streamLinks'>;
  expiries: Pick<AuditExpiryRepository, 'insert' | 'newest' | 'newestPerOrganization'>;
  holds: Pick<LegalHoldRepository, 'activeFromSeqs' | 'releasedSince'>;
  gate: Pick<RetentionGateRepository, 'reload' | 'partitionsHolding' | 'materializeTtl'>;
}

/**
 * The expiry job. Every interval, for each organization, it finds the links after its newest
 * expiry statement that have all expired — stopping before the first link an active legal hold
 * keeps — verifies them (an organization whose links do not verify is refused, logged and
 * counted, and keeps everything), and signs "links 1…N expired by D; link N's hash was H" with the
 * deployment's key into `audit_expiry_statements` and the anchor file. Only then does it reload
 * the retention gate and re-apply the TTL to the partitions holding those links: the TTL deletes
 * nothing a statement does not cover, so a statement always exists before its links can go.
 * Several ingestor instances may sign the same statement; verifiers use the newest.
 */
export class ExpiryStatementWriter implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ExpiryStatementWriter.name);
  private readonly rounds: IntervalRounds;
  /** When the last completed round began; undefined before the first (which re-applies the TTL for every organization). */
  private lastRound?: number;

  constructor(
    private readonly stores: ExpiryStatementWriterStores,
    private readonly key: SigningKey,
    private readonly options: ExpiryStatementWriterOptions,
    private readonly observer?: ExpiryObserver,
  ) {
    this.rounds = new IntervalRounds(() => this.writeStatements(), options.intervalMs, (error) =>
      this.logger.error(`expiry statements not written (retried next interval): ${messageOf(error)}`),
    );
  }

  onApplicationBootstrap(): void {
    this.logger.log(`signing expiry statements every ${this.options.intervalMs} ms with key ${this.key.keyId}${this.options.file ? `, also to ${this.options.file}` : ''}`);
    this.rounds.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.rounds.stop();
  }

  /** One round at `now`; throws when it could not store its statements or re-apply the TTL (the next round tries again). */
  async writeStatements(now: Date = new Date()): Promise<ExpiryRound> {
    const { chains, expiries, holds, gate } = this.stores;
    const newest = await expiries.newestPerOrganization();
    const heldFrom = await holds.activeFromSeqs();
    const round: ExpiryRound = { signed: [], refused: [] };
    for (const head of await chains.latestHeads()) {
      const organizationId = head.organizationId;
      const previous = newest.get(organizationId);
      const from = previous?.chainSeq ?? 0;
      const limit = Math.min(head.seq, (heldFrom.get(organizationId) ?? Number.POSITIVE_INFINITY) - 1, from + this.options.maxLinksPerRound);
      if (limit <= from) continue;
      const prefix = await expiredPrefix(chains.streamLinks.bind(chains), organizationId, previous, limit, now.getTime(), this.options.retentionDaysFor(organizationId));
      if (prefix && 'break' in prefix) {
        // Another instance may have signed (and the TTL removed) these links since this round began.
        if (((await expiries.newest(organizationId))?.chainSeq ?? 0) >= prefix.break.seq) continue;
        round.refused.push({ organizationId, break: prefix.break });
        this.observer?.expiryRefused();
        this.logger.error(`expiry of ${organizationId} refused: ${prefix.break.kind} at link ${prefix.break.seq} (${prefix.break.detail}); its links are kept until the chain verifies`);
      } else if (prefix) {
        round.signed.push(signExpiryStatement(this.key, organizationId, prefix.last, prefix.expiredAt, now));
      }
    }
    await expiries.insert(round.signed);
    if (this.options.file && round.signed.length > 0) await appendFile(this.options.file, round.signed.map((statement) => `${anchorLine(statement)}\n`).join(''), { mode: 0o600 });
    this.observer?.expirySigned(round.signed.length);
    for (const statement of round.signed) newest.set(statement.organizationId, statement);

    // Organizations whose deletable links changed: new statements and holds released since the last
    // round (a minute's margin for the clocks; the first round: every organization with a statement).
    const released = this.lastRound === undefined ? [...newest.keys()] : await holds.releasedSince(new Date(this.lastRound - CLOCK_MARGIN_MS).toISOString());
    const changed = new Set([...round.signed.map((statement) => statement.organizationId), ...released]);
    if (changed.size > 0) {
      await gate.reload();
      const partitions: number[] = [];
      for (const organizationId of changed) {
        const through = newest.get(organizationId)?.chainSeq;
        if (through !== undefined) partitions.push(...(await gate.partitionsHolding(organizationId, through)));
      }
      await gate.materializeTtl(partitions);
    }
    if (round.signed.length > 0) this.logger.log(`signed ${round.signed.length} expiry statement(s)`);
    this.lastRound = now.getTime();
    return round;
  }
}
