import { DLQ_HEADERS } from '@audit/contract';
import { createHash } from 'node:crypto';
import { KafkaJSNonRetriableError, KafkaJSProtocolError, type KafkaMessage, type Message, type Producer, type ProducerRecord } from 'kafkajs';
import { DeadLetterPublisher, type DeadLetter } from './dead-letter.publisher';

/** A broker error as kafkajs raises it once it gives up (the broker's error in `cause`). */
function refused(type: string, retriable: boolean): Error {
  const error = new KafkaJSProtocolError({ message: `${type} from the broker`, type, code: 0, retriable } as unknown as Error);
  return Object.assign(new KafkaJSNonRetriableError(error), { cause: error });
}

/** A producer whose broker refuses any send holding a message above `maxBytes` (as a topic's max.message.bytes does). */
function brokerWithLimit(maxBytes: number, sent: ProducerRecord[]): Producer {
  const size = (message: Message) => (message.value as Buffer | null)?.length ?? 0;
  return {
    send: async (record: ProducerRecord) => {
      if (record.messages.some((message) => size(message) > maxBytes)) throw refused('MESSAGE_TOO_LARGE', false);
      sent.push(record);
    },
  } as unknown as Producer;
}

const header = (message: Message, name: string) => message.headers?.[name]?.toString();

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

  it('should quarantine by reference a dead letter the topic refuses for good, and publish the others whole', async () => {
    const sent: ProducerRecord[] = [];
    const letters = [letter(7, 10), letter(8, 2_000_000), letter(9, 10)];
    const quarantined = await new DeadLetterPublisher(brokerWithLimit(1_048_576, sent), 'audit.events.v1', 'audit.events.v1.dlq').publish(letters);

    expect(quarantined.map(({ letter: { message }, refusal }) => [message.offset, refusal])).toEqual([['8', 'MESSAGE_TOO_LARGE']]);
    const messages = sent.flatMap((record) => record.messages);
    expect(messages.map((message) => header(message, DLQ_HEADERS.offset))).toEqual(['7', '8', '9']);
    const reference = messages[1];
    expect(reference.value).toBeNull();
    expect(reference.key).toBe('audit.events.v1/0/8');
    expect({
      reason: header(reference, DLQ_HEADERS.reason),
      quarantined: header(reference, DLQ_HEADERS.quarantined),
      topic: header(reference, DLQ_HEADERS.topic),
      partition: header(reference, DLQ_HEADERS.partition),
      bytes: header(reference, DLQ_HEADERS.originalValueBytes),
      sha256: header(reference, DLQ_HEADERS.originalValueSha256),
    }).toEqual({
      reason: 'too_large',
      quarantined: 'MESSAGE_TOO_LARGE',
      topic: 'audit.events.v1',
      partition: '0',
      bytes: '2000000',
      sha256: createHash('sha256').update(letters[1].message.value as Buffer).digest('hex'),
    });
    expect(messages[0].value).toEqual(letters[0].message.value);
  });

  it('should throw, and quarantine nothing, when the broker is only briefly away', async () => {
    const producer = { send: async () => Promise.reject(refused('LEADER_NOT_AVAILABLE', true)) } as unknown as Producer;
    await expect(new DeadLetterPublisher(producer, 't', 't.dlq').publish([letter(0, 10)])).rejects.toThrow(/LEADER_NOT_AVAILABLE/);
  });

  it('should throw when even the reference is refused, so the block is retried rather than skipped', async () => {
    const producer = { send: async () => Promise.reject(refused('INVALID_RECORD', false)) } as unknown as Producer;
    await expect(new DeadLetterPublisher(producer, 't', 't.dlq').publish([letter(0, 10)])).rejects.toThrow(/refused the quarantine record.*INVALID_RECORD/);
  });

  it('should send a null header value (which kafkajs cannot write) as an empty one, keeping binary and repeated headers', async () => {
    const sent: ProducerRecord[] = [];
    const withHeaders = letter(0, 10);
    withHeaders.message.headers = { trace: [Buffer.from([0, 0xff]), null as unknown as Buffer], gone: null as unknown as Buffer };
    await new DeadLetterPublisher(brokerWithLimit(1_048_576, sent), 't', 't.dlq').publish([withHeaders]);
    const { headers } = sent[0].messages[0];
    expect(headers?.trace).toEqual([Buffer.from([0, 0xff]), Buffer.alloc(0)]);
    expect(headers?.gone).toEqual(Buffer.alloc(0));
  });
});
