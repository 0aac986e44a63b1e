import type { KafkaMessage } from 'kafkajs';
import { PartitionBuffer } from './partition.buffer';

const thresholds = { rows: 3, bytes: 1000, ageMs: 1000 };

function messages(first: number, count: number, size = 10): KafkaMessage[] {
  return Array.from({ length: count }, (_, index) => ({
    offset: String(first + index),
    key: null,
    value: Buffer.alloc(size),
    timestamp: '0',
    attributes: 0,
    headers: {},
  }));
}

describe('PartitionBuffer', () => {
  it('should be due once it holds the row threshold', () => {
    const buffer = new PartitionBuffer();
    buffer.append(messages(0, 2), 0);
    expect(buffer.due(thresholds, 0)).toBe(false);
    buffer.append(messages(2, 1), 0);
    expect(buffer.due(thresholds, 0)).toBe(true);
  });

  it('should be due on bytes and on the age of its oldest message', () => {
    const bytes = new PartitionBuffer();
    bytes.append(messages(0, 1, 1000), 0);
    expect(bytes.due(thresholds, 0)).toBe(true);
    const age = new PartitionBuffer();
    age.append(messages(0, 1), 5000);
    expect(age.due(thresholds, 5999)).toBe(false);
    expect(age.due(thresholds, 6000)).toBe(true);
  });

  it('should skip offsets it already holds when a batch is fetched again', () => {
    const buffer = new PartitionBuffer();
    expect(buffer.append(messages(0, 3), 0)).toBe(30);
    expect(buffer.append(messages(1, 4), 0)).toBe(20);
    expect(buffer.take(7)).toMatchObject({ first: '0', last: '4', bytes: 50, replay: false, clock: 7 });
    expect(buffer.bytes).toBe(0);
  });

  it('should skip the messages below the committed offset it starts from, when kafkajs fetches from an older one', () => {
    const buffer = new PartitionBuffer(undefined, '20');
    expect(buffer.append(messages(10, 10), 0)).toBe(0);
    expect(buffer.length).toBe(0);
    buffer.append(messages(18, 5), 0);
    expect(buffer.take(0)).toMatchObject({ first: '20', last: '22' });
  });

  it('should give exactly the recorded pending range first, whatever the thresholds', () => {
    const buffer = new PartitionBuffer({ first: '10', last: '14', clock: 1000 });
    buffer.append(messages(10, 3), 0);
    expect(buffer.awaitingReplay).toBe(true);
    expect(buffer.due(thresholds, 0)).toBe(false);
    expect(buffer.take(0)).toBeUndefined();
    buffer.append(messages(13, 4), 0);
    expect(buffer.due(thresholds, 0)).toBe(true);
    const block = buffer.take(5000);
    // The replayed block is validated at the clock recorded with its range, not at the replay's.
    expect(block).toMatchObject({ first: '10', last: '14', replay: true, clock: 1000 });
    expect(block?.messages.map((message) => message.offset)).toEqual(['10', '11', '12', '13', '14']);
    expect(buffer.take(6000)).toMatchObject({ first: '15', last: '16', replay: false, clock: 6000 });
  });

  it('should validate a replayed range recorded without a clock at the time it is taken', () => {
    const buffer = new PartitionBuffer({ first: '0', last: '1' });
    buffer.append(messages(0, 2), 0);
    expect(buffer.take(42)).toMatchObject({ first: '0', last: '1', replay: true, clock: 42 });
  });
});
