/**
 * `message_rate` / `message_hwm` / `message_block_size` (spec publishing.md §8, Pushpin's publish
 * `RateLimiter`): deliveries are queued per route and run at most `rate` per second for the whole worker,
 * round-robin between routes; a route holding `hwm` queued units drops further deliveries. A delivery weighs
 * `ceil(size / blockSize)` units with a block size, else 1. Batches: every 25 ms for rates of 40/s and more
 * (`ceil(rate × 25 / 1000)` units per batch), else one unit every `1000 / rate` ms. A heavy delivery that
 * overdraws a batch leaves its route a debt paid back in later turns.
 */
import type { Scheduler } from '../timers/scheduler';
import type { TimerTask } from './update-limiter';

const MIN_BATCH_INTERVAL_MS = 25;

interface Queued<S, I> {
  sub: S;
  item: I;
  weight: number;
}

interface Bucket<S, I> {
  queue: Array<Queued<S, I>>;
  head: number;
  weight: number;
  debt: number;
}

export interface DeliveryLimiterOptions<S, I> {
  /** Deliveries (units) per second for the worker. */
  rate: number;
  /** Units a route may have queued; absent = no limit. */
  hwm?: number;
  /**
   * Runs one queued delivery; returns false when it did not happen (the subscriber is gone), which then
   * costs nothing.
   */
  execute: (sub: S, item: I) => boolean;
}

export class DeliveryLimiter<S, I> implements TimerTask {
  private readonly buckets = new Map<string, Bucket<S, I>>();
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private timerKey = -1;
  private lastKey: string | undefined;
  private queued = 0;

  constructor(
    private readonly tasks: Scheduler<TimerTask>,
    private readonly opts: DeliveryLimiterOptions<S, I>,
  ) {
    const rate = Math.max(1, opts.rate);
    if (rate >= 1000 / MIN_BATCH_INTERVAL_MS) {
      this.intervalMs = MIN_BATCH_INTERVAL_MS;
      this.batchSize = Math.ceil((rate * MIN_BATCH_INTERVAL_MS) / 1000);
    } else {
      this.intervalMs = Math.floor(1000 / rate);
      this.batchSize = 1;
    }
  }

  /** Deliveries waiting, all routes. */
  get size(): number {
    return this.queued;
  }

  /**
   * Queues one delivery on `route`'s bucket.
   * @param weight units (1, or the item's blocks).
   * @returns false when the route is at its high-water mark: the delivery is dropped (the caller counts
   *   and logs it).
   */
  add(route: string, weight: number, sub: S, item: I): boolean {
    let bucket = this.buckets.get(route);
    if (bucket === undefined) {
      bucket = { queue: [], head: 0, weight: 0, debt: 0 };
      this.buckets.set(route, bucket);
    }
    if (this.opts.hwm !== undefined && bucket.weight + weight > this.opts.hwm) {
      if (bucket.queue.length - bucket.head === 0 && bucket.debt <= 0) this.buckets.delete(route);
      return false;
    }
    bucket.queue.push({ sub, item, weight });
    bucket.weight += weight;
    this.queued++;
    if (this.timerKey < 0) this.arm(0);
    return true;
  }

  onTimer(): void {
    this.timerKey = -1;
    this.runBatch();
    if (this.buckets.size > 0) this.arm(this.intervalMs);
  }

  close(): void {
    if (this.timerKey >= 0) this.tasks.cancel(this.timerKey);
    this.timerKey = -1;
    this.buckets.clear();
    this.queued = 0;
  }

  private runBatch(): void {
    const keys = [...this.buckets.keys()];
    if (keys.length === 0) return;
    let i = this.lastKey === undefined ? 0 : keys.indexOf(this.lastKey);
    if (i < 0) i = 0;
    let processed = 0;
    let live = keys.length;
    while (processed < this.batchSize && live > 0) {
      const key = keys[i % keys.length] as string;
      i++;
      const bucket = this.buckets.get(key);
      if (bucket === undefined) continue;
      if (bucket.debt > 0) {
        bucket.debt--;
        processed++;
      } else if (bucket.queue.length > bucket.head) {
        const q = bucket.queue[bucket.head] as Queued<S, I>;
        bucket.queue[bucket.head] = undefined as unknown as Queued<S, I>; // release the references early
        bucket.head++;
        bucket.weight -= q.weight;
        this.queued--;
        if (this.opts.execute(q.sub, q.item)) {
          processed += q.weight;
          if (processed > this.batchSize) bucket.debt += processed - this.batchSize;
        }
      }
      if (bucket.queue.length === bucket.head && bucket.debt <= 0) {
        this.buckets.delete(key);
        live--;
      } else if (bucket.head > 1024 && bucket.head * 2 > bucket.queue.length) {
        bucket.queue = bucket.queue.slice(bucket.head);
        bucket.head = 0;
      }
      this.lastKey = keys[i % keys.length];
    }
  }

  private arm(delayMs: number): void {
    try {
      this.timerKey = this.tasks.schedule(delayMs, this);
    } catch {
      this.timerKey = -1; // worker shutting down
    }
  }
}
