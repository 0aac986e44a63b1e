import { createRequire } from 'node:module';

/** The part of kafkajs' per-connection request queue that the patch below reads and replaces. */
interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** kafkajs' own interval for a queue whose in-flight limit is reached (src/network/requestQueue). */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

/**
 * kafkajs 2.2.4 (the last release) re-arms a timer after every response of every connection, with
 * `throttledUntil - Date.now()` as the delay; `throttledUntil` starts at -1, so the delay is about
 * minus the epoch, Node clamps it to 1 ms, and each connection wakes up a thousand times a second
 * for as long as it lives (tulios/kafkajs#1704; Node ≥ 23 also prints a TimeoutNegativeWarning for
 * each, #1751). Measured here: an idle admin + producer pair used 28–30 ms of CPU per second, 2.3
 * with this patch — CPU the ingestor and the query API need on a small machine.
 *
 * The replacement schedules a check only when one can do something: requests are pending (as soon
 * as the throttle ends, else at kafkajs' own 10 ms interval while the in-flight limit holds them),
 * or a throttle is in force. With nothing pending there is nothing to send; `push` and
 * `fulfillRequest` check the queue themselves when that changes, exactly as before.
 */
export function patchKafkajsRequestQueue(): void {
  const requireFromHere = createRequire(__filename);
  const RequestQueue = requireFromHere('kafkajs/src/network/requestQueue') as { prototype: RequestQueueInternals };
  RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueInternals) {
    if (this.throttleCheckTimeoutId) return;
    const untilUnthrottled = this.throttledUntil - Date.now();
    if (this.pending.length === 0 && untilUnthrottled <= 0) return;
    this.throttleCheckTimeoutId = setTimeout(
      () => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      },
      untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL_MS,
    );
  };
}
