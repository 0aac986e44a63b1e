import { packStoredLines, splitLines, STORED_HEADERS, type StoredRecord } from '@audit/contract';
import type { ChainHead, SignedChainCheckpoint } from '@audit/integrity';
import type { Producer } from 'kafkajs';
import { chunksOf } from '../message-chunks';

/** One stored insert of a block (the whole block, or one half of a bisected one). */
export interface StoredPiece {
  /** The inserted JSONEachRow lines, newline-terminated. */
  body: Uint8Array;
  /** The organization of each line, in order. */
  organizations: string[];
  /** Each organization's head before the piece: its first line there has `seq + 1`. */
  before: Map<string, ChainHead>;
}

/**
 * Publishes what the ingester stored to the projection topic (`audit.events.v1.stored`, format in
 * libs/contract `stored-events.wire.ts`): per piece and organization, its lines in chain order,
 * packed into records of at most `maxRecordBytes`, keyed by organization so each organization's
 * records keep their order. The ingester calls it after the rows and chain heads are stored and
 * before the source offsets are committed, so every committed row is on the topic; a replayed
 * block republishes identical records. Checkpoints go to the same topic, keyed the same way.
 */
export class StoredEventsPublisher {
  constructor(
    private readonly producer: Pick<Producer, 'send'>,
    private readonly topic: string,
    private readonly maxRecordBytes = 256 * 1024,
  ) {}

  async publish(pieces: StoredPiece[]): Promise<void> {
    const records: StoredRecord[] = [];
    for (const piece of pieces) {
      const lines = splitLines(piece.body);
      if (lines.length !== piece.organizations.length) throw new Error(`stored piece has ${lines.length} lines for ${piece.organizations.length} organizations`);
      const byOrganization = new Map<string, Uint8Array[]>();
      lines.forEach((line, index) => {
        const organization = piece.organizations[index];
        const group = byOrganization.get(organization);
        if (group) group.push(line);
        else byOrganization.set(organization, [line]);
      });
      for (const [organization, group] of byOrganization) {
        const firstSeq = (piece.before.get(organization)?.seq ?? 0) + 1;
        records.push(...packStoredLines(organization, group, firstSeq, this.maxRecordBytes));
      }
    }
    await this.send(records);
  }

  async publishCheckpoints(checkpoints: SignedChainCheckpoint[]): Promise<void> {
    await this.send(checkpoints.map((checkpoint) => ({ key: checkpoint.organizationId, value: Buffer.from(JSON.stringify(checkpoint)), headers: { [STORED_HEADERS.kind]: 'checkpoint' } })));
  }

  private async send(records: StoredRecord[]): Promise<void> {
    for (const chunk of chunksOf(records, (record) => record)) await this.producer.send({ topic: this.topic, acks: -1, messages: chunk });
  }
}
