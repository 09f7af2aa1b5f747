/**
 * Binds one {@link TimerWheel} to one platform timer for the whole worker: every keep-alive and timeout
 * is a wheel entry, and exactly one `setTimeout` is armed, for the earliest of them.
 *
 * Times: the clock reads milliseconds (possibly fractional); the wheel counts whole milliseconds since the
 * scheduler was created. A timer scheduled for `delayMs` never fires before `delayMs` have passed on the
 * clock; it fires at the first platform wakeup after that.
 */
import { performance } from 'node:perf_hooks';
import { ThumbtackError } from '../core/errors';
import { TimerWheel } from './timer-wheel';

/** Thrown by schedule for a delay that is not a finite number. */
export const TIMER_INVALID_DELAY = 'TIMER_INVALID_DELAY';
/** Thrown by schedule and reschedule after {@link Scheduler.close}. */
export const TIMER_CLOSED = 'TIMER_CLOSED';

/**
 * Largest delay (ms) a Node timer accepts; longer delays are silently replaced by 1 ms, so the scheduler
 * arms at most this far ahead and re-arms on wakeup.
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** The time source and the one platform timer behind a {@link Scheduler}. */
export interface Clock {
  /** Current time in ms, monotonic (never decreasing); the origin is arbitrary. */
  now(): number;
  /** Arms a one-shot timer calling `cb` after `ms` milliseconds (0 ≤ ms ≤ MAX_TIMER_DELAY_MS). */
  setTimer(cb: () => void, ms: number): unknown;
  /** Disarms a timer returned by setTimer; a handle that already fired is ignored. */
  clearTimer(handle: unknown): void;
}

export interface SystemClockOptions {
  /** Unref the Node timer so that it alone does not keep the process alive. Default false. */
  unref?: boolean;
}

/**
 * A {@link Clock} over `performance.now()` (monotonic ms) and `setTimeout`.
 * @param options `unref` (default false).
 */
export function createSystemClock(options: SystemClockOptions = {}): Clock {
  const unref = options.unref === true;
  return {
    now: () => performance.now(),
    setTimer: (cb, ms) => {
      const handle = setTimeout(cb, Math.min(Math.max(ms, 0), MAX_TIMER_DELAY_MS));
      if (unref) handle.unref();
      return handle;
    },
    clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
  };
}

/** The process clock: `performance.now()` and a referenced `setTimeout`. */
export const systemClock: Clock = createSystemClock();

export interface SchedulerOptions<T> {
  /**
   * Told of an exception thrown by `onExpire` (the scheduler itself carries on with the next timer).
   * Default: the exception is dropped. An exception thrown by onError is dropped too.
   */
  onError?: (error: unknown, ref: T) => void;
  /** Maximum number of pending timers; default unlimited. Beyond it schedule throws `TIMER_CAPACITY`. */
  capacity?: number;
}

export class Scheduler<T> {
  private readonly wheel: TimerWheel<T>;
  private readonly origin: number;
  private readonly onError: ((error: unknown, ref: T) => void) | undefined;
  /** The one armed platform timer, if any. */
  private handle: unknown = undefined;
  private armed = false;
  /** Elapsed ms at which the armed timer fires (Infinity when none is armed). */
  private armedTick = Infinity;
  /** True while onExpire callbacks run: changes then re-arm once, at the end of the firing. */
  private firing = false;
  private closed = false;
  /** The platform timer callback, allocated once. */
  private readonly onTimer = (): void => this.fire();

  /**
   * @param onExpire called with a timer's ref when it expires, outside any wheel iteration.
   * @param clock time source and platform timer; default {@link systemClock}.
   * @param options `onError` for exceptions thrown by onExpire, `capacity` of the wheel.
   */
  constructor(
    private readonly onExpire: (ref: T) => void,
    private readonly clock: Clock = systemClock,
    options: SchedulerOptions<T> = {},
  ) {
    this.wheel = new TimerWheel<T>(options.capacity);
    this.onError = options.onError;
    this.origin = clock.now();
  }

  /** Number of pending timers (scheduled, or expired and about to be called). */
  get size(): number {
    return this.wheel.size;
  }

  /**
   * Schedules `ref` to be passed to onExpire after `delayMs` milliseconds (a negative delay counts as 0;
   * a delay of 0 still fires from the platform timer, never within this call).
   * @returns a key for {@link cancel}, valid until the timer fires or is cancelled.
   * @throws ThumbtackError `TIMER_INVALID_DELAY` for NaN or an infinite delay, `TIMER_CAPACITY` when full,
   *   `TIMER_CLOSED` after close.
   */
  schedule(delayMs: number, ref: T): number {
    if (this.closed) throw new ThumbtackError(TIMER_CLOSED, 'scheduler is closed');
    if (!Number.isFinite(delayMs)) {
      throw new ThumbtackError(TIMER_INVALID_DELAY, `delayMs must be a finite number, got ${String(delayMs)}`);
    }
    const elapsed = this.elapsed();
    const tick = Math.ceil(elapsed + Math.max(delayMs, 0));
    const key = this.wheel.add(tick, ref);
    if (!this.firing && tick < this.armedTick) this.arm(elapsed);
    return key;
  }

  /**
   * Cancels a pending timer.
   * @returns false if the key is not pending (already fired, cancelled, or never scheduled).
   */
  cancel(key: number): boolean {
    if (!this.wheel.remove(key)) return false;
    // An earlier wakeup than needed is harmless; only drop the platform timer when nothing is left.
    if (this.wheel.size === 0 && !this.firing) this.disarm();
    return true;
  }

  /**
   * Cancels `key` (if still pending) and schedules `ref` after `delayMs`.
   * @returns the new key (which may equal the old one).
   */
  reschedule(key: number, delayMs: number, ref: T): number {
    if (this.closed) throw new ThumbtackError(TIMER_CLOSED, 'scheduler is closed');
    this.wheel.remove(key);
    return this.schedule(delayMs, ref);
  }

  /** Disarms the platform timer and drops every pending timer; later schedule calls throw TIMER_CLOSED. */
  close(): void {
    this.closed = true;
    this.disarm();
    this.wheel.takeExpired();
    this.wheel.advance(Number.MAX_SAFE_INTEGER);
    this.wheel.takeExpired();
  }

  /** Milliseconds since the scheduler was created, as read from the clock now (never negative). */
  private elapsed(): number {
    return Math.max(this.clock.now() - this.origin, 0);
  }

  private fire(): void {
    this.armed = false;
    this.handle = undefined;
    this.armedTick = Infinity;
    const elapsed = this.elapsed();
    this.wheel.advance(Math.floor(elapsed));
    this.firing = true;
    try {
      // One at a time, so a callback can still cancel a later timer of the same batch by its key, and no
      // key of the batch is reused before its own callback has run.
      while (!this.closed) {
        const expired = this.wheel.takeExpired(1)[0];
        if (expired === undefined) break;
        try {
          this.onExpire(expired.ref);
        } catch (error) {
          this.report(error, expired.ref);
        }
      }
    } finally {
      this.firing = false;
    }
    if (!this.closed) this.arm(this.elapsed());
  }

  private report(error: unknown, ref: T): void {
    if (this.onError === undefined) return;
    try {
      this.onError(error, ref);
    } catch {
      // An error handler that throws must not stop the scheduler either.
    }
  }

  /** Arms the platform timer for the wheel's earliest expiry, replacing the armed one if any. */
  private arm(elapsed: number): void {
    const timeout = this.wheel.nextTimeout();
    if (timeout === undefined) {
      this.disarm();
      return;
    }
    const tick = this.wheel.currentTick + timeout;
    this.disarm();
    const delay = Math.min(Math.max(tick - elapsed, 0), MAX_TIMER_DELAY_MS);
    this.handle = this.clock.setTimer(this.onTimer, delay);
    this.armed = true;
    this.armedTick = elapsed + delay; // when it really fires: earlier than tick if the delay was capped
  }

  private disarm(): void {
    if (!this.armed) return;
    this.clock.clearTimer(this.handle);
    this.handle = undefined;
    this.armed = false;
    this.armedTick = Infinity;
  }
}
