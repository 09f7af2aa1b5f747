/** Messages remembered as not yet applied everywhere, at most. */
const MAX_UNAPPLIED = 4096;

/** A publish waiting for the workers. */
interface Waiter {
  seq: number;
  settled: boolean;
  done: () => void;
}

/**
 * Which bus messages every worker has applied (handed its items to their subscribers' sockets). The
 * supervisor answers an HTTP publish once the workers have applied it, as one process does by
 * construction: a publisher then cannot run ahead of the workers and queue items in them, which is what
 * made delivery latency with several workers several times that of one (docs/PERFORMANCE.md).
 *
 * Sequence numbers count bus messages from 1; a worker reports the highest it has applied. A worker is
 * tracked from when it joins (it owes nothing sent before) until it leaves (dead workers hold no one up).
 */
export class AppliedTracker<W> {
  private readonly applied = new Map<W, number>();
  /** Sequence numbers sent and not yet applied by every worker, with when they were sent (ms), in order. */
  private unapplied: Array<{ seq: number; at: number }> = [];
  /** Waiters in the order of their sequence numbers (which only grow). */
  private waiters: Waiter[] = [];

  /** Message `seq` was sent at `atMs`. */
  sent(seq: number, atMs: number): void {
    if (this.applied.size === 0) return;
    this.unapplied.push({ seq, at: atMs });
    // A worker that never answers (stopped, hung) must not make this list grow without end; the oldest
    // entries go (what is left is still old enough to keep publishers waiting).
    if (this.unapplied.length > MAX_UNAPPLIED) this.unapplied = this.unapplied.slice(this.unapplied.length - MAX_UNAPPLIED / 2);
  }

  /** Milliseconds since the oldest message some worker has not applied was sent (0 when none). */
  backlogAgeMs(nowMs: number): number {
    const oldest = this.unapplied[0];
    return oldest === undefined ? 0 : nowMs - oldest.at;
  }

  /** `worker` now receives every message after `seq`. */
  join(worker: W, seq: number): void {
    this.applied.set(worker, seq);
  }

  /** `worker` applied every message up to `seq`. */
  ack(worker: W, seq: number): void {
    const before = this.applied.get(worker);
    if (before === undefined || seq <= before) return;
    this.applied.set(worker, seq);
    this.release();
  }

  /** `worker` is gone. */
  leave(worker: W): void {
    if (this.applied.delete(worker)) this.release();
  }

  /** The lowest sequence number every tracked worker has applied (Infinity with no worker). */
  lowest(): number {
    let low = Infinity;
    for (const seq of this.applied.values()) if (seq < low) low = seq;
    return low;
  }

  /**
   * Resolves once every tracked worker applied `seq`, or after `maxWaitMs` (a stuck worker slows
   * publishers down, but never stops them).
   */
  whenApplied(seq: number, maxWaitMs: number): Promise<void> {
    if (seq <= this.lowest()) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: Waiter = { seq, settled: false, done: () => undefined };
      const timer = setTimeout(() => {
        waiter.done();
        // Timers of one wait time fire in the order they were set: the timed-out waiters lead the list.
        while (this.waiters.length > 0 && (this.waiters[0] as Waiter).settled) this.waiters.shift();
      }, maxWaitMs);
      timer.unref();
      waiter.done = () => {
        if (waiter.settled) return;
        waiter.settled = true;
        clearTimeout(timer);
        resolve();
      };
      // Sequence numbers of later calls are never lower, so pushing keeps the list in order.
      this.waiters.push(waiter);
    });
  }

  /** Messages not yet applied by every worker that are remembered (for tests). */
  get unappliedCount(): number {
    return this.unapplied.length;
  }

  /** Waiting publishes (for tests and metrics). */
  get waiting(): number {
    return this.waiters.length;
  }

  private release(): void {
    const low = this.lowest();
    let applied = 0;
    while (applied < this.unapplied.length && (this.unapplied[applied] as { seq: number }).seq <= low) applied++;
    if (applied > 0) this.unapplied = this.unapplied.slice(applied);
    let i = 0;
    while (i < this.waiters.length && (this.waiters[i] as Waiter).seq <= low) (this.waiters[i++] as Waiter).done();
    if (i > 0) this.waiters = this.waiters.slice(i);
  }
}
