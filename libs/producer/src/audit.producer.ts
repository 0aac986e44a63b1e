import {
  AUDIT_EVENTS_TOPIC,
  AuditEventValidationError,
  LIMITS,
  uuidv7,
  validateAuditEvent,
  type AuditEvent,
} from '@audit/contract';
import type { Message } from 'kafkajs';
import { AuditBufferFullError, AuditProducerClosedError } from './audit-producer.errors';
import {
  AUDIT_PRODUCER_DEFAULTS,
  type AuditEventInput,
  type AuditProducerLogger,
  type AuditProducerMetrics,
  type AuditProducerOptions,
  type KafkaProducerLike,
} from './audit-producer.options';
import { createAuditKafkaProducer } from './kafka-producer.factory';
import { KafkaWorkerProducer } from './kafka-worker.producer';

/** One accepted event, from `record()` until the broker acknowledges it. */
interface Pending {
  message: Message;
  bytes: number;
  /** Position in enqueue order; acknowledgements arrive in this order (one batch in flight). */
  seq: number;
  /** Date.now() when it entered the buffer: a batch lingers for company until its oldest event is `lingerMs` old. */
  enqueuedAt: number;
  resolve(): void;
  reject(error: Error): void;
  /** Set while the event waits for room under the `wait` policy. */
  timer?: NodeJS.Timeout;
  waitingSince?: number;
}

const noop = () => undefined;
const EXIT_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

const consoleLogger: AuditProducerLogger = {
  warn: (message, context) => console.warn(JSON.stringify({ level: 'warn', component: 'audit-producer', msg: message, ...context })),
  error: (message, context) => console.error(JSON.stringify({ level: 'error', component: 'audit-producer', msg: message, ...context })),
};

/**
 * Records audit events for a product service: validates each event synchronously, buffers it, and
 * sends batches to Kafka in the background (idempotent producer, `acks: -1`, key =
 * organizationId). One batch is in flight at a time and a failed batch is retried, with backoff,
 * before any later one, so one organization's events reach the topic in the order they were
 * recorded, and nothing is dropped while the process lives.
 */
export class AuditProducer {
  readonly topic: string;
  private readonly settings: typeof AUDIT_PRODUCER_DEFAULTS;
  private readonly kafka: KafkaProducerLike;
  private readonly metrics: AuditProducerMetrics;
  private readonly logger: AuditProducerLogger;

  private queue: Pending[] = [];
  private queueBytes = 0;
  private readonly waiting: Pending[] = [];
  private waitingDrained: Array<() => void> = [];
  private bufferedEvents = 0;
  private bufferedBytes = 0;
  private lastSeq = 0;
  private settledSeq = 0;
  private flushes: Array<{ target: number; resolve(): void }> = [];

  private inFlight: Pending[] = [];
  private lingerTimer: NodeJS.Timeout | undefined;
  private drainSoon: NodeJS.Immediate | undefined;
  private draining = false;
  private connected = false;
  private connecting: Promise<void> | undefined;
  private closing = false;
  private aborted = false;
  private closed: Promise<void> | undefined;
  /** occurredAt of events recorded within the same millisecond (the common case under load) is formatted once. */
  private nowMs = 0;
  private nowIso = '';

  constructor(options: AuditProducerOptions) {
    const { brokers, topic, metrics, logger, kafkaProducer, ...rest } = options;
    this.settings = { ...AUDIT_PRODUCER_DEFAULTS, ...definedOnly(rest) };
    this.topic = topic ?? AUDIT_EVENTS_TOPIC;
    this.metrics = metrics ?? {};
    this.logger = logger ?? consoleLogger;
    if (kafkaProducer) this.kafka = kafkaProducer;
    else if (brokers && brokers.length > 0) {
      const settings = { brokers, clientId: this.settings.clientId };
      this.kafka = this.settings.kafkaThread === 'worker' ? new KafkaWorkerProducer(settings) : createAuditKafkaProducer(settings);
    } else throw new Error('AuditProducer needs `brokers` (or a `kafkaProducer`)');
    if (this.settings.exitHooks) addListeners(this.exitListeners);
  }

  /**
   * Validates the event now (throws `AuditEventValidationError` listing every violation), fills
   * `id`, `occurredAt` and `schemaVersion` when absent, and accepts it. The promise resolves when
   * the broker has acknowledged the event; callers may ignore it (failures then reach the logger
   * and `metrics.failed`). Under the `reject` policy a full buffer throws `AuditBufferFullError`
   * here; under `wait` the promise rejects with it after `bufferFullTimeoutMs`.
   */
  record(input: AuditEventInput): Promise<void> {
    if (this.closing) throw new AuditProducerClosedError();
    const now = Date.now();
    const event = this.complete(input, now);
    // validateAuditEvent returns a fresh copy in the contract's wire order, which is exactly what
    // serializeAuditEvent would copy once more before stringifying (a unit test holds them equal).
    const value = JSON.stringify(event);
    const bytes = Buffer.byteLength(value);
    if (bytes > LIMITS.maxEventBytes) {
      throw new AuditEventValidationError([
        { field: '$', rule: 'maxEventBytes', message: `the serialized event is ${bytes} bytes; the limit is ${LIMITS.maxEventBytes}` },
      ]);
    }
    let pending!: Pending;
    const acknowledged = new Promise<void>((resolve, reject) => {
      pending = { message: { key: event.organizationId, value }, bytes, seq: 0, enqueuedAt: now, resolve, reject };
    });
    // A fire-and-forget caller must not crash the service with an unhandled rejection; losses are
    // reported through the logger and metrics instead, and an awaiting caller still sees them.
    acknowledged.catch(noop);
    if (this.waiting.length === 0 && this.hasRoom(bytes)) this.enqueue(pending, now);
    else if (this.settings.bufferFullPolicy === 'reject') {
      const error = new AuditBufferFullError(this.bufferedEvents, 0);
      this.metrics.failed?.(1, error, false);
      throw error;
    } else this.wait(pending);
    return acknowledged;
  }

  /**
   * Connects now (and starts the worker thread) instead of at the first send, so a caller that
   * waits for its first acknowledgement does not also wait for the connection. Optional; a send
   * that finds it in progress shares it, and a failure is left to the sends, which retry.
   */
  connect(): Promise<void> {
    this.connecting ??= this.kafka
      .connect()
      .then(() => {
        this.connected = true;
      })
      .finally(() => {
        this.connecting = undefined;
      });
    return this.connecting;
  }

  /** Resolves when every event accepted so far (including those waiting for room) is acknowledged. */
  async flush(): Promise<void> {
    while (this.waiting.length > 0) await new Promise<void>((resolve) => this.waitingDrained.push(resolve));
    const target = this.lastSeq;
    if (this.settledSeq >= target) return;
    await new Promise<void>((resolve) => {
      this.flushes.push({ target, resolve });
      this.startDrain();
    });
  }

  /**
   * Stops accepting events, flushes, then disconnects. Without `timeoutMs` it waits as long as the
   * broker needs (nothing is given up); with it, events still unacknowledged at the deadline are
   * rejected with `AuditProducerClosedError` and reported to the logger and `metrics.failed`.
   * Calling it again returns the same promise (a later `timeoutMs` still arms its deadline).
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.closing = true;
    this.closed ??= this.shutdown();
    const { timeoutMs } = options;
    if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
      const deadline = setTimeout(() => this.abort(timeoutMs), timeoutMs);
      void this.closed.finally(() => clearTimeout(deadline));
    }
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    removeListeners(this.exitListeners, ['beforeExit', ...EXIT_SIGNALS]);
    try {
      await this.flush();
      if (this.connected) {
        this.connected = false;
        await this.kafka.disconnect();
      }
    } finally {
      removeListeners(this.exitListeners, ['exit']);
    }
  }

  private complete(input: AuditEventInput, now: number): AuditEvent {
    const occurredAt = input.occurredAt === undefined ? this.isoTime(now) : input.occurredAt instanceof Date ? input.occurredAt.toISOString() : input.occurredAt;
    const result = validateAuditEvent({ ...input, id: input.id ?? uuidv7(now), occurredAt, schemaVersion: input.schemaVersion ?? 1 }, now);
    if (!result.ok) throw new AuditEventValidationError(result.violations);
    return result.event;
  }

  private isoTime(now: number): string {
    if (now !== this.nowMs) {
      this.nowMs = now;
      this.nowIso = new Date(now).toISOString();
    }
    return this.nowIso;
  }

  private hasRoom(bytes: number): boolean {
    if (this.bufferedEvents === 0) return true;
    return this.bufferedEvents < this.settings.maxBufferedEvents && this.bufferedBytes + bytes <= this.settings.maxBufferedBytes;
  }

  private enqueue(pending: Pending, now: number): void {
    pending.seq = ++this.lastSeq;
    pending.enqueuedAt = now;
    this.queue.push(pending);
    this.queueBytes += pending.bytes;
    this.bufferedEvents += 1;
    this.bufferedBytes += pending.bytes;
    this.metrics.buffered?.(this.bufferedEvents, this.bufferedBytes);
    if (this.draining) return;
    // A full batch goes out on the next turn of the event loop, not inside this record() call:
    // handing a batch to kafkajs costs far more than recording one event.
    if (this.batchFull()) this.drainSoon ??= setImmediate(() => this.startDrain());
    else this.lingerTimer ??= setTimeout(() => this.startDrain(), this.settings.lingerMs);
  }

  private batchFull(): boolean {
    return this.queue.length >= this.settings.maxBatchEvents || this.queueBytes >= this.settings.maxBatchBytes;
  }

  /** How long the next batch should still wait for company: 0 once full, old enough, or flushed. */
  private lingerLeft(): number {
    if (this.batchFull() || this.flushes.length > 0) return 0;
    return Math.max(0, this.queue[0].enqueuedAt + this.settings.lingerMs - Date.now());
  }

  private wait(pending: Pending): void {
    pending.waitingSince = Date.now();
    pending.timer = setTimeout(() => {
      const index = this.waiting.indexOf(pending);
      if (index < 0) return;
      this.waiting.splice(index, 1);
      const error = new AuditBufferFullError(this.bufferedEvents, Date.now() - (pending.waitingSince ?? Date.now()));
      this.giveUp([pending], error);
      this.notifyWaitingDrained();
    }, this.settings.bufferFullTimeoutMs);
    this.waiting.push(pending);
  }

  /** Moves waiting events into the buffer, oldest first, while there is room. */
  private admitWaiting(): void {
    while (this.waiting.length > 0 && this.hasRoom(this.waiting[0].bytes)) {
      const pending = this.waiting.shift() as Pending;
      clearTimeout(pending.timer);
      this.enqueue(pending, Date.now());
    }
    this.notifyWaitingDrained();
  }

  private notifyWaitingDrained(): void {
    if (this.waiting.length > 0 || this.waitingDrained.length === 0) return;
    const callbacks = this.waitingDrained;
    this.waitingDrained = [];
    for (const callback of callbacks) callback();
  }

  private startDrain(): void {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    clearImmediate(this.drainSoon);
    this.drainSoon = undefined;
    if (!this.draining) void this.drain();
  }

  /**
   * The background loop: one batch in flight at a time, in enqueue order. Every batch, not only
   * the first, lingers until it is full or its oldest event is `lingerMs` old: sending whatever
   * trickled in during the previous send would make many small requests, and kafkajs and the
   * broker cost about as much per request as per hundreds of events.
   */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0 && !this.aborted) {
        const linger = this.lingerLeft();
        if (linger > 0) {
          this.lingerTimer = setTimeout(() => this.startDrain(), linger);
          return;
        }
        this.inFlight = this.takeBatch();
        await this.deliver(this.inFlight);
        this.inFlight = [];
      }
    } finally {
      this.draining = false;
    }
  }

  private takeBatch(): Pending[] {
    let count = 0;
    let bytes = 0;
    const { maxBatchEvents, maxBatchBytes } = this.settings;
    while (count < this.queue.length && count < maxBatchEvents && (count === 0 || bytes + this.queue[count].bytes <= maxBatchBytes)) {
      bytes += this.queue[count].bytes;
      count += 1;
    }
    this.queueBytes -= bytes;
    if (count === this.queue.length) {
      const batch = this.queue;
      this.queue = [];
      return batch;
    }
    return this.queue.splice(0, count);
  }

  /** Sends one batch until the broker acknowledges it; broker errors are retried with backoff, never dropped. */
  private async deliver(batch: Pending[]): Promise<void> {
    const messages = batch.map((pending) => pending.message);
    for (let attempt = 0; !this.aborted; attempt += 1) {
      try {
        if (!this.connected) await this.connect();
        const started = performance.now();
        await this.kafka.send({ topic: this.topic, acks: -1, messages });
        if (this.aborted) return;
        this.metrics.batchLatency?.(performance.now() - started, batch.length);
        this.settle(batch);
        this.metrics.sent?.(batch.length);
        for (const pending of batch) pending.resolve();
        return;
      } catch (error) {
        if (this.aborted) return;
        // A fresh connect after a failure; kafkajs makes it a no-op while brokers are still connected.
        this.connected = false;
        const pause = Math.min(this.settings.retryInitialMs * 2 ** attempt, this.settings.retryMaxMs);
        this.metrics.failed?.(batch.length, error as Error, true);
        this.logger.warn('sending audit events failed; retrying', { events: batch.length, attempt: attempt + 1, retryInMs: pause, error: (error as Error).message });
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  /** Accounting for events that left the buffer, acknowledged or given up; wakes flushes and waiters. */
  private settle(batch: Pending[]): void {
    let bytes = 0;
    for (const pending of batch) bytes += pending.bytes;
    this.bufferedEvents -= batch.length;
    this.bufferedBytes -= bytes;
    this.settledSeq = Math.max(this.settledSeq, batch[batch.length - 1].seq);
    this.metrics.buffered?.(this.bufferedEvents, this.bufferedBytes);
    if (this.flushes.some((flush) => flush.target <= this.settledSeq)) {
      const done = this.flushes.filter((flush) => flush.target <= this.settledSeq);
      this.flushes = this.flushes.filter((flush) => flush.target > this.settledSeq);
      for (const flush of done) flush.resolve();
    }
    this.admitWaiting();
  }

  private giveUp(events: Pending[], error: Error): void {
    if (events.length === 0) return;
    this.metrics.failed?.(events.length, error, false);
    this.logger.error('audit events were not delivered', { events: events.length, error: error.message });
    for (const pending of events) pending.reject(error);
  }

  /** close() ran out of time: every event not yet acknowledged is rejected, loudly. */
  private abort(timeoutMs: number): void {
    if (this.aborted) return;
    this.aborted = true;
    const error = new AuditProducerClosedError(`the audit producer closed after ${timeoutMs} ms with events still unacknowledged`);
    for (const pending of this.waiting) clearTimeout(pending.timer);
    const lost = [...this.inFlight, ...this.queue, ...this.waiting.splice(0)];
    this.inFlight = [];
    this.queue = [];
    this.queueBytes = 0;
    this.bufferedEvents = 0;
    this.bufferedBytes = 0;
    this.settledSeq = this.lastSeq;
    this.giveUp(lost, error);
    this.notifyWaitingDrained();
    const flushes = this.flushes;
    this.flushes = [];
    for (const flush of flushes) flush.resolve();
  }

  // Exit hooks. A signal handler replaces Node's default "exit now", so after closing we re-raise
  // the signal when nobody else listens (NestJS's shutdown hooks, for one, exit by themselves).
  private readonly exitListeners: Record<ExitEvent, () => void> = {
    beforeExit: () => void this.close(),
    SIGTERM: () => this.closeOnSignal('SIGTERM'),
    SIGINT: () => this.closeOnSignal('SIGINT'),
    // A hard `process.exit()` cannot wait for I/O: at least say how many events die with the process.
    exit: () => {
      const unacknowledged = this.bufferedEvents + this.waiting.length;
      if (unacknowledged > 0) this.logger.error('the process exits with audit events unacknowledged', { events: unacknowledged });
    },
  };

  private closeOnSignal(signal: (typeof EXIT_SIGNALS)[number]): void {
    removeListeners(this.exitListeners, EXIT_SIGNALS);
    void this.close({ timeoutMs: this.settings.shutdownTimeoutMs }).finally(() => {
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

type ExitEvent = 'beforeExit' | 'exit' | (typeof EXIT_SIGNALS)[number];

function addListeners(listeners: Record<ExitEvent, () => void>): void {
  for (const [event, listener] of Object.entries(listeners)) process.on(event, listener);
}

function removeListeners(listeners: Record<ExitEvent, () => void>, events: readonly ExitEvent[]): void {
  for (const event of events) process.off(event, listeners[event]);
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
