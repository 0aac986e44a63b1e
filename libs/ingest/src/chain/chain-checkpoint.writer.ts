import type { AuditChainRepository } from '@audit/clickhouse';
import { anchorLine, signCheckpoint, type SignedChainCheckpoint, type SigningKey } from '@audit/integrity';
import { Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { appendFile } from 'node:fs/promises';
import { IntervalRounds, messageOf } from './interval.rounds';
import type { StoredEventsPublisher } from '../projection/stored-events.publisher';

export interface ChainCheckpointWriterOptions {
  intervalMs: number;
  /** Also append each checkpoint as a JSON line to this file (an anchor kept outside ClickHouse). */
  file?: string;
  /** Also publish each checkpoint to the projection topic, so outbound streams deliver it to tenants' own systems. */
  publisher?: Pick<StoredEventsPublisher, 'publishCheckpoints'>;
}

/**
 * Signs the head of every organization's hash chain at an interval: each organization whose
 * recorded head moved since its last checkpoint gets a new checkpoint (Ed25519, the message is
 * libs/integrity's `checkpointMessage`), stored in `audit_chain_checkpoints` and, when configured,
 * appended to a file. Heads come from `audit_chain_heads`, which the ingester writes after the
 * rows, so a checkpoint never names a link that is not stored. Each checkpoint also goes to the
 * projection topic (outbound streams deliver it: a tenant's own SIEM becomes a witness of its
 * chain); it may arrive there before the events it covers. With several ingestor instances
 * each signs the same heads: duplicate checkpoints are harmless (the verifier uses the newest).
 */
export class ChainCheckpointWriter implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChainCheckpointWriter.name);
  private readonly rounds: IntervalRounds;
  /** Each organization's highest checkpointed sequence; read from the table once, then kept here. */
  private checkpointed?: Map<string, number>;

  constructor(
    private readonly chains: Pick<AuditChainRepository, 'latestHeads' | 'insertCheckpoints' | 'checkpointedSeqs'>,
    private readonly key: SigningKey,
    private readonly options: ChainCheckpointWriterOptions,
  ) {
    this.rounds = new IntervalRounds(() => this.writeCheckpoints(), options.intervalMs, (error) =>
      this.logger.error(`chain checkpoints not written (retried next interval): ${messageOf(error)}`),
    );
  }

  onApplicationBootstrap(): void {
    this.logger.log(`signing chain checkpoints every ${this.options.intervalMs} ms with key ${this.key.keyId}${this.options.file ? `, also to ${this.options.file}` : ''}`);
    this.rounds.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.rounds.stop();
  }

  /** One round: signs and stores the heads that moved; returns the new checkpoints. Throws when it could not store them. */
  async writeCheckpoints(signedAt: Date = new Date()): Promise<SignedChainCheckpoint[]> {
    this.checkpointed ??= await this.chains.checkpointedSeqs();
    const checkpointed = this.checkpointed;
    const due = (await this.chains.latestHeads()).filter((head) => head.seq > (checkpointed.get(head.organizationId) ?? 0));
    if (due.length === 0) return [];
    const checkpoints = due.map((head) => signCheckpoint(this.key, head.organizationId, head, signedAt));
    await this.chains.insertCheckpoints(checkpoints);
    // Published before they count as done: a round that could not publish signs them again next time.
    await this.options.publisher?.publishCheckpoints(checkpoints);
    if (this.options.file) await appendFile(this.options.file, checkpoints.map((checkpoint) => `${anchorLine(checkpoint)}\n`).join(''), { mode: 0o600 });
    for (const checkpoint of checkpoints) checkpointed.set(checkpoint.organizationId, checkpoint.chainSeq);
    this.logger.log(`signed ${checkpoints.length} chain checkpoint(s)`);
    return checkpoints;
  }
}
