import type { AuditEvent } from '@audit/contract';
import type { ProducerRecord, RecordMetadata } from 'kafkajs';
import type { KafkaProducerLike } from '../src';

/** A kafkajs producer stand-in: records sends, can fail the next N, or hold sends until released. */
export class FakeKafkaProducer implements KafkaProducerLike {
  readonly sent: ProducerRecord[] = [];
  connects = 0;
  disconnects = 0;
  failures = 0;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  async connect(): Promise<void> {
    this.connects += 1;
  }

  async disconnect(): Promise<void> {
    this.disconnects += 1;
  }

  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    if (this.gate) await this.gate;
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('broker unavailable');
    }
    this.sent.push(record);
    return [];
  }

  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.gate = undefined;
    this.openGate?.();
  }

  values(): AuditEvent[] {
    return this.sent.flatMap((record) => record.messages.map((message) => JSON.parse(String(message.value)) as AuditEvent));
  }
}
