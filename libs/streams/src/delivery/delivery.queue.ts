import type { DeliveryItem } from './delivery-item';

/**
 * The items a stream has read and not yet delivered, in read order. Bounded by events held: a
 * reader pushing past `capacity` waits (calling `heartbeat` meanwhile, so its consumer stays in
 * its group), which is what makes a slow or failing destination stop the stream's reading — and
 * only that stream's.
 */
export class DeliveryQueue {
  private items: DeliveryItem[] = [];
  private events = 0;
  private spaceWaiters: Array<() => void> = [];
  private itemWaiters: Array<() => void> = [];

  constructor(private readonly capacity: number) {}

  get length(): number {
    return this.items.length;
  }

  get heldEvents(): number {
    return this.events;
  }

  async push(item: DeliveryItem, heartbeat?: () => Promise<void>, signal?: AbortSignal): Promise<void> {
    while ((this.events >= this.capacity || this.items.length >= this.capacity) && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 3000);
        this.spaceWaiters.push(() => (clearTimeout(timer), resolve()));
      });
      await heartbeat?.();
    }
    this.items.push(item);
    this.events += item.events.length;
    this.wake('items');
  }

  head(): readonly DeliveryItem[] {
    return this.items;
  }

  /** Drops the `taken` first items; `remainder` (the rest of an item cut short) takes the head. */
  consume(taken: number, remainder?: DeliveryItem): void {
    const removed = this.items.splice(0, taken + (remainder ? 1 : 0));
    this.events -= removed.reduce((sum, item) => sum + item.events.length, 0);
    if (remainder) {
      this.items.unshift(remainder);
      this.events += remainder.events.length;
    }
    this.wake('space');
  }

  /** Resolves when an item is pushed, or after `timeoutMs`. */
  waitForItems(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.itemWaiters.push(() => (clearTimeout(timer), resolve()));
    });
  }

  private wake(which: 'items' | 'space'): void {
    const waiters = which === 'items' ? this.itemWaiters : this.spaceWaiters;
    if (which === 'items') this.itemWaiters = [];
    else this.spaceWaiters = [];
    for (const wake of waiters) wake();
  }
}
