/**
 * Several deadlines of one owner (a held connection) on the worker's single timer wheel: one wheel entry,
 * armed for the earliest deadline; when it fires the owner asks which slots are due. No Node timer per
 * connection. Used by HTTP streams and WebSocket sessions alike.
 */
import { performance } from 'node:perf_hooks';
import type { Scheduler } from './scheduler';

/** A deadline within this many ms of now counts as due (the wheel works in whole milliseconds). */
const DUE_TOLERANCE_MS = 1;

/** The default clock, shared: a closure per instance would cost every held connection 56 bytes. */
const performanceNow = (): number => performance.now();

export class TimerSlots<T> {
  /** Absolute due times (clock ms), Infinity when a slot is off. */
  private readonly due: number[];
  private key = -1;
  private armedFor = Infinity;

  /**
   * @param scheduler the worker's scheduler; it hands `owner` to its expiry callback when the entry fires.
   * @param count number of slots (at most 31).
   * @param now clock in ms; must be the clock the scheduler runs on (default `performance.now()`).
   */
  constructor(
    private readonly scheduler: Scheduler<T>,
    private readonly owner: T,
    count: number,
    private readonly now: () => number = performanceNow,
  ) {
    this.due = new Array<number>(count).fill(Infinity);
  }

  /** Sets `slot` to fire after `delayMs` milliseconds (replacing its previous deadline). */
  set(slot: number, delayMs: number): void {
    const at = this.now() + Math.max(0, delayMs);
    this.due[slot] = at;
    if (at < this.armedFor) this.arm(at);
  }

  /** Turns `slot` off. The wheel entry stays armed (an early wakeup is harmless) unless none is left. */
  clear(slot: number): void {
    this.due[slot] = Infinity;
    if (this.key >= 0 && this.due.every((d) => d === Infinity)) this.clearAll();
  }

  isSet(slot: number): boolean {
    return this.due[slot] !== Infinity;
  }

  /** Turns every slot off. */
  clearAll(): void {
    this.due.fill(Infinity);
    if (this.key >= 0) this.scheduler.cancel(this.key);
    this.key = -1;
    this.armedFor = Infinity;
  }

  /**
   * To be called from the owner's `onTimer()`: turns the due slots off, re-arms for the next deadline and
   * returns the due slots as a bit mask (bit n = slot n).
   */
  expire(): number {
    this.key = -1;
    this.armedFor = Infinity;
    const now = this.now() + DUE_TOLERANCE_MS;
    let mask = 0;
    let next = Infinity;
    for (let i = 0; i < this.due.length; i++) {
      const d = this.due[i] as number;
      if (d <= now) {
        mask |= 1 << i;
        this.due[i] = Infinity;
      } else if (d < next) next = d;
    }
    if (next !== Infinity) this.arm(next);
    return mask;
  }

  private arm(at: number): void {
    const delay = at - this.now();
    try {
      this.key = this.key >= 0 ? this.scheduler.reschedule(this.key, delay, this.owner) : this.scheduler.schedule(delay, this.owner);
      this.armedFor = at;
    } catch {
      // The scheduler is closed (worker shutting down): nothing will fire any more.
      this.key = -1;
      this.armedFor = Infinity;
    }
  }
}
