import { AuditEventValidationError, makeAuditEvent, serializeAuditEvent, UUID_PATTERN, type AuditEvent } from '@audit/contract';
import { AuditBufferFullError, AuditProducerClosedError } from './audit-producer.errors';
import { FakeKafkaProducer } from '../test/fake-kafka.producer';
import type { AuditEventInput, AuditProducerLogger, AuditProducerMetrics, AuditProducerOptions } from './audit-producer.options';
import { AuditProducer } from './audit.producer';

const silentLogger: AuditProducerLogger = { warn: () => undefined, error: () => undefined };

function input(overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  const { id: _id, occurredAt: _occurredAt, schemaVersion: _schemaVersion, ...rest } = makeAuditEvent();
  return { ...rest, ...overrides };
}

function producerWith(kafka: FakeKafkaProducer, options: Partial<AuditProducerOptions> = {}): AuditProducer {
  return new AuditProducer({ kafkaProducer: kafka, exitHooks: false, lingerMs: 1, retryInitialMs: 1, retryMaxMs: 5, logger: silentLogger, ...options });
}

describe('AuditProducer', () => {
  let kafka: FakeKafkaProducer;

  beforeEach(() => {
    kafka = new FakeKafkaProducer();
  });

  it('throws a validation error listing every violation, synchronously, and sends nothing', async () => {
    const producer = producerWith(kafka);
    let thrown: unknown;
    try {
      void producer.record(input({ action: 'Not A Verb', resource: { type: 'member', id: 'm1' }, actor: { id: 'u1', type: 'user', email: 'nope' } }));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AuditEventValidationError);
    expect((thrown as AuditEventValidationError).violations.map((v) => v.field).sort()).toEqual(['action', 'actor.email', 'resource.type']);
    await producer.close();
    expect(kafka.sent).toHaveLength(0);
  });

  it('fills id, occurredAt and schemaVersion, keys by organization and sends the contract wire form', async () => {
    const producer = producerWith(kafka);
    await producer.record(input({ organizationId: 'org_7' }));
    const [record] = kafka.sent;
    expect(record.acks).toBe(-1);
    expect(record.topic).toBe('audit.events.v1');
    const [message] = record.messages;
    expect(message.key).toBe('org_7');
    const event = JSON.parse(String(message.value)) as AuditEvent;
    expect(event.id).toMatch(UUID_PATTERN);
    expect(event.id[14]).toBe('7');
    expect(Math.abs(Date.parse(event.occurredAt) - Date.now())).toBeLessThan(5_000);
    expect(event.schemaVersion).toBe(1);
    expect(message.value).toBe(serializeAuditEvent(event));
    await producer.close();
  });

  it('connects ahead of the first send when asked, once, even with a send starting meanwhile', async () => {
    const producer = producerWith(kafka);
    const early = producer.connect();
    const acknowledged = producer.record(input());
    await Promise.all([early, acknowledged]);
    expect(kafka.connects).toBe(1);
    expect(kafka.sent).toHaveLength(1);
    await producer.close();
  });

  it('keeps a given id and occurredAt, and accepts a Date', async () => {
    const producer = producerWith(kafka);
    const id = '0190f3a2-7b1c-7def-8abc-0123456789ab';
    await producer.record(input({ id, occurredAt: new Date('2026-01-31T12:00:00Z') }));
    expect(kafka.values()[0]).toMatchObject({ id, occurredAt: '2026-01-31T12:00:00.000Z' });
    await producer.close();
  });

  it('refuses an event whose serialized form exceeds the size limit', async () => {
    const producer = producerWith(kafka);
    const huge = Array.from({ length: 40 }, (_, i) => ({ field: `f${i}`, before: 'x'.repeat(2000), after: 'y'.repeat(2000) }));
    expect(() => producer.record(input({ changes: huge }))).toThrow(expect.objectContaining({ violations: [expect.objectContaining({ rule: 'maxEventBytes' })] }));
    await producer.close();
  });

  it('batches events recorded together into one send, in recording order', async () => {
    const producer = producerWith(kafka, { lingerMs: 20 });
    const acks = Array.from({ length: 50 }, (_, i) => producer.record(input({ resource: { type: 'Member', id: `m${i}` } })));
    await Promise.all(acks);
    expect(kafka.sent).toHaveLength(1);
    expect(kafka.values().map((e) => e.resource.id)).toEqual(acks.map((_, i) => `m${i}`));
    await producer.close();
  });

  it('splits batches at maxBatchEvents', async () => {
    const producer = producerWith(kafka, { maxBatchEvents: 10 });
    await Promise.all(Array.from({ length: 25 }, () => producer.record(input())));
    expect(kafka.sent.map((r) => r.messages.length)).toEqual([10, 10, 5]);
    await producer.close();
  });

  it('lets the next batch linger too, so events arriving during a send go out together', async () => {
    const producer = producerWith(kafka, { lingerMs: 400 });
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    kafka.hold();
    const acks = [producer.record(input({ resource: { type: 'Member', id: 'm0' } }))];
    await sleep(450); // m0 lingered, then went out; its send is held
    acks.push(producer.record(input({ resource: { type: 'Member', id: 'm1' } })));
    kafka.release(); // m0 acknowledged: m1 is younger than lingerMs, so it waits for company
    await sleep(50);
    acks.push(producer.record(input({ resource: { type: 'Member', id: 'm2' } })));
    await Promise.all(acks);
    expect(kafka.sent.map((record) => record.messages.length)).toEqual([1, 2]);
    expect(kafka.values().map((e) => e.resource.id)).toEqual(['m0', 'm1', 'm2']);
    await producer.close();
  });

  it('retries a failed send with backoff and loses nothing, keeping the order', async () => {
    const failed: boolean[] = [];
    const producer = producerWith(kafka, { metrics: { failed: (_n, _e, willRetry) => failed.push(willRetry) } });
    kafka.failures = 3;
    await Promise.all(Array.from({ length: 5 }, (_, i) => producer.record(input({ resource: { type: 'Member', id: `m${i}` } }))));
    expect(failed).toEqual([true, true, true]);
    expect(kafka.values().map((e) => e.resource.id)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(kafka.connects).toBeGreaterThanOrEqual(4);
    await producer.close();
  });

  it('resolves flush() only when everything recorded so far is acknowledged', async () => {
    const producer = producerWith(kafka);
    kafka.hold();
    void producer.record(input());
    void producer.record(input());
    let flushed = false;
    const flushing = producer.flush().then(() => (flushed = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(flushed).toBe(false);
    kafka.release();
    await flushing;
    expect(kafka.values()).toHaveLength(2);
    await producer.close();
  });

  it('throws AuditBufferFullError at once under the reject policy when the buffer is full', async () => {
    const failed: number[] = [];
    const producer = producerWith(kafka, { maxBufferedEvents: 2, bufferFullPolicy: 'reject', metrics: { failed: (n) => failed.push(n) } });
    kafka.hold();
    void producer.record(input());
    void producer.record(input());
    expect(() => producer.record(input())).toThrow(AuditBufferFullError);
    expect(failed).toEqual([1]);
    kafka.release();
    await producer.close();
    expect(kafka.values()).toHaveLength(2);
  });

  it('waits for room under the wait policy, then delivers in order', async () => {
    const producer = producerWith(kafka, { maxBufferedEvents: 2, maxBatchEvents: 2 });
    kafka.hold();
    const acks = Array.from({ length: 5 }, (_, i) => producer.record(input({ resource: { type: 'Member', id: `m${i}` } })));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(kafka.sent).toHaveLength(0);
    kafka.release();
    await Promise.all(acks);
    expect(kafka.values().map((e) => e.resource.id)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    await producer.close();
  });

  it('rejects a waiting record with AuditBufferFullError after bufferFullTimeoutMs', async () => {
    const producer = producerWith(kafka, { maxBufferedEvents: 1, bufferFullTimeoutMs: 30 });
    kafka.hold();
    const first = producer.record(input());
    await expect(producer.record(input())).rejects.toBeInstanceOf(AuditBufferFullError);
    kafka.release();
    await first;
    await producer.close();
    expect(kafka.values()).toHaveLength(1);
  });

  it('close() flushes, disconnects, and refuses later records', async () => {
    const producer = producerWith(kafka, { lingerMs: 1_000 });
    void producer.record(input());
    await producer.close();
    expect(kafka.values()).toHaveLength(1);
    expect(kafka.disconnects).toBe(1);
    expect(() => producer.record(input())).toThrow(AuditProducerClosedError);
    await producer.close();
    expect(kafka.disconnects).toBe(1);
  });

  it('close({ timeoutMs }) rejects what the broker never acknowledged and reports it', async () => {
    const failed: Array<[number, boolean]> = [];
    const errors: string[] = [];
    const producer = producerWith(kafka, {
      metrics: { failed: (n, _e, willRetry) => failed.push([n, willRetry]) },
      logger: { warn: () => undefined, error: (message) => errors.push(message) },
    });
    kafka.hold();
    const ack = producer.record(input());
    await new Promise((resolve) => setTimeout(resolve, 10));
    await producer.close({ timeoutMs: 30 });
    await expect(ack).rejects.toBeInstanceOf(AuditProducerClosedError);
    expect(failed).toEqual([[1, false]]);
    expect(errors).toEqual(['audit events were not delivered']);
  });

  it('reports sent, buffered and batch latency to the metrics hooks', async () => {
    const seen = { sent: 0, buffered: [] as number[], batches: [] as number[] };
    const metrics: AuditProducerMetrics = {
      sent: (n) => (seen.sent += n),
      buffered: (n) => seen.buffered.push(n),
      batchLatency: (ms, n) => {
        expect(ms).toBeGreaterThanOrEqual(0);
        seen.batches.push(n);
      },
    };
    const producer = producerWith(kafka, { metrics, lingerMs: 10 });
    await Promise.all([producer.record(input()), producer.record(input()), producer.record(input())]);
    expect(seen).toEqual({ sent: 3, buffered: [1, 2, 3, 0], batches: [3] });
    await producer.close();
  });

  it('flushes and closes on beforeExit', async () => {
    const listenersBefore = process.listenerCount('beforeExit');
    const producer = producerWith(kafka, { exitHooks: true, lingerMs: 1_000 });
    void producer.record(input());
    process.emit('beforeExit', 0);
    await producer.close();
    expect(kafka.values()).toHaveLength(1);
    expect(process.listenerCount('beforeExit')).toBe(listenersBefore);
  });

  it('flushes on SIGTERM and leaves exiting to the other SIGTERM listeners', async () => {
    const other = jest.fn();
    process.on('SIGTERM', other);
    const kill = jest.spyOn(process, 'kill');
    try {
      const producer = producerWith(kafka, { exitHooks: true, lingerMs: 1_000 });
      void producer.record(input());
      process.emit('SIGTERM', 'SIGTERM');
      await producer.close();
      expect(kafka.values()).toHaveLength(1);
      expect(kafka.disconnects).toBe(1);
      expect(kill).not.toHaveBeenCalled();
    } finally {
      process.off('SIGTERM', other);
      kill.mockRestore();
    }
  });

  it('needs brokers or a kafka producer', () => {
    expect(() => new AuditProducer({ exitHooks: false })).toThrow(/brokers/);
  });
});
