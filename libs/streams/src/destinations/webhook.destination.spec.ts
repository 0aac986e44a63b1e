import { makeAuditEvent } from '@audit/contract';
import type { SignedChainCheckpoint } from '@audit/integrity';
import { formatEvent } from '../format/event.formats';
import type { DeliveryBatch } from '../format/delivery-batch';
import type { StoredEvent } from '../projection/stored-record.decoder';
import { webhookBody } from './webhook.destination';

const stored = (seq: number): StoredEvent => ({ organizationId: 'org_a', seq, hash: `h${seq}`, prevHash: `h${seq - 1}`, event: makeAuditEvent({ organizationId: 'org_a', reason: 'quote " and ünïcödé' }) });

describe('webhookBody', () => {
  it('should be byte for byte the JSON of the whole batch, whether events bring their formatted JSON or not', () => {
    for (const format of ['v1', 'ocsf'] as const) {
      const events = [stored(1), stored(2), stored(3)];
      const spliced = events.map((event, index) => (index === 1 ? event : { ...event, formatted: Buffer.from(JSON.stringify(formatEvent(format, event))) }));
      const checkpoints = [{ organizationId: 'org_a', chainSeq: 3 } as unknown as SignedChainCheckpoint];
      const batch: DeliveryBatch = { streamId: 'st_1', batchSeq: 7, format, ranges: [{ organizationId: 'org_a', firstSeq: 1, lastSeq: 3 }], events: spliced, checkpoints };
      const whole = JSON.stringify({ streamId: 'st_1', batchSeq: 7, format, ranges: batch.ranges, events: events.map((event) => formatEvent(format, event)), checkpoints });
      expect(webhookBody(batch).toString()).toBe(whole);
      expect(webhookBody({ ...batch, events: [], checkpoints: [] }).toString()).toBe(JSON.stringify({ streamId: 'st_1', batchSeq: 7, format, ranges: batch.ranges, events: [], checkpoints: [] }));
    }
  });
});
