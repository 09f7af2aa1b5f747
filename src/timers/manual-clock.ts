/**
 * A {@link Clock} for tests: time moves only when the test calls {@link ManualClock.advance}, which fires
 * the due timers synchronously, in due order, each with the clock reading its due time.
 */
import { ThumbtackError } from '../core/errors';
import type { Clock } from './scheduler';
import { MAX_TIMER_DELAY_MS } from './scheduler';

/** Thrown for a bad step or timer delay, and when timers keep re-arming without time passing. */
export const CLOCK_INVALID_STEP = 'CLOCK_INVALID_STEP';
export const CLOCK_INVALID_DELAY = 'CLOCK_INVALID_DELAY';
export const CLOCK_RUNAWAY = 'CLOCK_RUNAWAY';

interface ManualTimer {
  readonly id: number;
  readonly due: number;
  readonly cb: () => void;
}

/** Timers fired by one advance call before it gives up with CLOCK_RUNAWAY. */
const MAX_FIRINGS_PER_ADVANCE = 1_000_000;

export class ManualClock implements Clock {
  private time: number;
  private nextId = 1;
  private timers: ManualTimer[] = [];
  /** Number of setTimer calls so far. */
  setCount = 0;
  /** Number of timers fired so far. */
  fireCount = 0;

  /** @param start initial reading in ms (default 0). */
  constructor(start = 0) {
    if (!Number.isFinite(start)) {
      throw new ThumbtackError(CLOCK_INVALID_STEP, `start must be a finite number of ms, got ${String(start)}`);
    }
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  /**
   * Arms a timer, like setTimeout but strict: a delay outside [0, MAX_TIMER_DELAY_MS] throws
   * CLOCK_INVALID_DELAY so that tests catch a caller that would misuse the real timer.
   * @returns an opaque handle for clearTimer.
   */
  setTimer(cb: () => void, ms: number): unknown {
    if (!(ms >= 0 && ms <= MAX_TIMER_DELAY_MS)) {
      throw new ThumbtackError(CLOCK_INVALID_DELAY, `timer delay must be in [0, ${MAX_TIMER_DELAY_MS}] ms, got ${String(ms)}`);
    }
    const timer: ManualTimer = { id: this.nextId++, due: this.time + ms, cb };
    this.timers.push(timer);
    this.setCount++;
    return timer;
  }

  clearTimer(handle: unknown): void {
    const i = this.timers.indexOf(handle as ManualTimer);
    if (i >= 0) this.timers.splice(i, 1);
  }

  /** Number of armed (not yet fired or cleared) timers. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Due times (ms) of the armed timers, earliest first. */
  get pendingDueTimes(): number[] {
    return this.timers.map((t) => t.due).sort((a, b) => a - b);
  }

  /**
   * Moves time forward by `ms`, firing every timer due by then (including timers armed by those
   * callbacks), earliest first and, for equal due times, in arming order. During a callback, now() reads
   * that timer's due time. An exception from a callback propagates after the clock is left at its due time.
   * @throws ThumbtackError CLOCK_INVALID_STEP for a negative or non-finite step, CLOCK_RUNAWAY when more
   *   than a million timers fire in one call.
   */
  advance(ms: number): void {
    if (!(ms >= 0 && Number.isFinite(ms))) {
      throw new ThumbtackError(CLOCK_INVALID_STEP, `advance step must be a finite number of ms >= 0, got ${String(ms)}`);
    }
    const target = this.time + ms;
    for (let fired = 0; ; fired++) {
      const timer = this.earliest();
      if (timer === undefined || timer.due > target) break;
      if (fired >= MAX_FIRINGS_PER_ADVANCE) {
        throw new ThumbtackError(CLOCK_RUNAWAY, `more than ${MAX_FIRINGS_PER_ADVANCE} timers fired in one advance`);
      }
      this.timers.splice(this.timers.indexOf(timer), 1);
      this.time = Math.max(this.time, timer.due);
      this.fireCount++;
      timer.cb();
    }
    this.time = target;
  }

  private earliest(): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.timers) {
      if (best === undefined || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    }
    return best;
  }
}
