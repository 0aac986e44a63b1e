import { createRequire } from 'node:module';
import './kafka-client.factory';

interface Queue {
  pending: unknown[];
  inflight: Map<number, unknown>;
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  push(request: { entry: { correlationId: number; resolve: () => void; reject: () => void }; expectResponse: boolean; sendRequest: () => void }): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  destroy(): void;
}

const RequestQueue = createRequire(__filename)('kafkajs/src/network/requestQueue') as new (options: object) => Queue;
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function queue(maxInFlightRequests: number | null = null): Queue {
  return new RequestQueue({ maxInFlightRequests, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'test', broker: 'test:9092', logger: silent });
}

function request(correlationId: number, sent: number[]) {
  return { entry: { correlationId, resolve: () => undefined, reject: () => undefined }, expectResponse: true, sendRequest: () => sent.push(correlationId) };
}

describe('kafkajs request queue (patched by the client factory)', () => {
  it('should not arm a timer when nothing is pending and nothing throttles', () => {
    const idle = queue();
    idle.checkPendingRequests();
    expect(idle.throttleCheckTimeoutId).toBeNull();
    idle.destroy();
  });

  it('should send a request held by the in-flight limit once the one before it is answered', () => {
    const sent: number[] = [];
    const limited = queue(1);
    limited.push(request(1, sent));
    limited.push(request(2, sent));
    expect(sent).toEqual([1]);
    limited.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(sent).toEqual([1, 2]);
    limited.destroy();
  });

  it('should send a request held by a client-side throttle when the throttle ends', async () => {
    const sent: number[] = [];
    const throttled = queue();
    throttled.throttledUntil = Date.now() + 30;
    throttled.push(request(1, sent));
    expect(sent).toEqual([]);
    expect(throttled.throttleCheckTimeoutId).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(sent).toEqual([1]);
    throttled.destroy();
  });
});
