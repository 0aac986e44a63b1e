/** `record()` with the reject policy, or the wait policy after its timeout: the buffer stayed full. */
export class AuditBufferFullError extends Error {
  override readonly name = 'AuditBufferFullError';

  constructor(
    readonly bufferedEvents: number,
    readonly waitedMs: number,
  ) {
    super(
      waitedMs > 0
        ? `the audit producer's buffer stayed full (${bufferedEvents} events) for ${waitedMs} ms; is the broker reachable?`
        : `the audit producer's buffer is full (${bufferedEvents} events); the event was not accepted`,
    );
  }
}

/** `record()` after `close()`, or an event still undelivered when `close({ timeoutMs })` gave up. */
export class AuditProducerClosedError extends Error {
  override readonly name = 'AuditProducerClosedError';

  constructor(message = 'the audit producer is closed') {
    super(message);
  }
}

/** The worker thread that sends to Kafka (`kafkaThread: 'worker'`) stopped before answering; the batch is sent again on a new thread. */
export class AuditProducerWorkerError extends Error {
  override readonly name = 'AuditProducerWorkerError';

  constructor(
    readonly exitCode: number,
    override readonly cause?: Error,
  ) {
    super(`the audit producer's Kafka worker thread stopped (exit code ${exitCode}${cause ? `: ${cause.message}` : ''})`);
  }
}
