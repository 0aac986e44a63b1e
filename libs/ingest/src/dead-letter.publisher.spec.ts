import type { KafkaMessage, Producer, ProducerRecord } from 'kafkajs';
import { DeadLetterPublisher, type DeadLetter } from './dead-letter.publisher';

function letter(offset: number, bytes: number): DeadLetter {
  const message = { offset: String(offset), key: Buffer.from('org_1'), value: Buffer.alloc(bytes, 0x78), timestamp: '0', attributes: 0, headers: {} } as KafkaMessage;
  return { message, partition: 0, reason: 'too_large', violations: [{ field: '$', rule: 'maxEventBytes', message: 'too large' }] };
}

describe('DeadLetterPublisher', () => {
  it('should split a burst of large dead letters into sends the broker accepts, keeping their order', async () => {
    const sent: ProducerRecord[] = [];
    const producer = { send: async (record: ProducerRecord) => void sent.push(record) } as unknown as Producer;
    // Twenty 70 KB letters: 1.4 MB, above the broker's 1 MiB record-batch limit in one send.
    await new DeadLetterPublisher(producer, 'audit.events.v1', 'audit.events.v1.dlq').publish(Array.from({ length: 20 }, (_, index) => letter(index, 70_000)));

    expect(sent.length).toBeGreaterThan(2);
    for (const record of sent) {
      expect(record.messages.reduce((sum, message) => sum + (message.value as Buffer).length, 0)).toBeLessThanOrEqual(512 * 1024);
    }
    expect(sent.flatMap((record) => record.messages.map((message) => message.headers?.['x-audit-original-offset']))).toEqual(Array.from({ length: 20 }, (_, index) => String(index)));
  });

  it('should send a single letter larger than the budget on its own', async () => {
    const sent: ProducerRecord[] = [];
    const producer = { send: async (record: ProducerRecord) => void sent.push(record) } as unknown as Producer;
    await new DeadLetterPublisher(producer, 't', 't.dlq').publish([letter(0, 10), letter(1, 600_000), letter(2, 10)]);

    expect(sent.map((record) => record.messages.length)).toEqual([1, 1, 1]);
  });
});
