/**
 * Pushpin's update limiter (spec grip-headers.md §6): low-priority updates of held sessions (a long-poll
 * re-request, a stream's next-link fetch after a prev-id mismatch, the first-subscription update,
 * `recover`, a link's `timeout=`) run at most `ratePerSec` actions per second, an action updating up to
 * `perAction` sessions that share a key (the next-link URI; every long-poll shares the key `''`). The
 * first action waits one interval so that a burst is batched.
 */
import type { Scheduler } from '../timers/scheduler';

/** Something the worker's task scheduler can run. */
export interface TimerTask {
  onTimer(): void;
}

/** A session waiting for its update. */
export interface UpdateTarget {
  runUpdate(): void;
}

export const UPDATE_RATE_PER_SEC = 10;
export const UPDATES_PER_ACTION_MAX = 100;

export class UpdateLimiter implements TimerTask {
  /** key → actions in order; an action is a set of targets updated together. */
  private readonly buckets = new Map<string, Array<Set<UpdateTarget>>>();
  private readonly actionOf = new Map<UpdateTarget, Set<UpdateTarget>>();
  private timerKey = -1;
  /** The key served last, for round-robin between keys. */
  private lastKey: string | undefined;
  private readonly intervalMs: number;

  constructor(
    private readonly tasks: Scheduler<TimerTask>,
    ratePerSec: number = UPDATE_RATE_PER_SEC,
    private readonly perAction: number = UPDATES_PER_ACTION_MAX,
  ) {
    this.intervalMs = Math.max(1, Math.floor(1000 / ratePerSec));
  }

  /** Sessions waiting. */
  get waiting(): number {
    return this.actionOf.size;
  }

  /** Queues an update of `target` under `key` (joining the key's last action while it has room). */
  add(key: string, target: UpdateTarget): void {
    if (this.actionOf.has(target)) return;
    let actions = this.buckets.get(key);
    if (actions === undefined) {
      actions = [];
      this.buckets.set(key, actions);
    }
    let action = actions[actions.length - 1];
    if (action === undefined || action.size >= this.perAction) {
      action = new Set();
      actions.push(action);
    }
    action.add(target);
    this.actionOf.set(target, action);
    if (this.timerKey < 0) this.arm();
  }

  /** Takes `target` out of its pending action (it closed, or is updated right away). */
  remove(target: UpdateTarget): void {
    const action = this.actionOf.get(target);
    if (action === undefined) return;
    action.delete(target);
    this.actionOf.delete(target);
  }

  onTimer(): void {
    this.timerKey = -1;
    const action = this.takeNext();
    if (action !== undefined) {
      for (const target of action) this.actionOf.delete(target);
      for (const target of action) target.runUpdate();
    }
    if (this.actionOf.size > 0 || this.hasActions()) this.arm();
  }

  close(): void {
    if (this.timerKey >= 0) this.tasks.cancel(this.timerKey);
    this.timerKey = -1;
    this.buckets.clear();
    this.actionOf.clear();
  }

  private hasActions(): boolean {
    for (const actions of this.buckets.values()) if (actions.length > 0) return true;
    return false;
  }

  /** The next non-empty action, round-robin over keys; empty actions (all targets removed) are skipped. */
  private takeNext(): Set<UpdateTarget> | undefined {
    const keys = [...this.buckets.keys()];
    if (keys.length === 0) return undefined;
    let start = this.lastKey === undefined ? 0 : keys.indexOf(this.lastKey) + 1;
    if (start >= keys.length) start = 0;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[(start + i) % keys.length] as string;
      const actions = this.buckets.get(key) as Array<Set<UpdateTarget>>;
      while (actions.length > 0) {
        const action = actions.shift() as Set<UpdateTarget>;
        if (action.size === 0) continue;
        if (actions.length === 0) this.buckets.delete(key);
        this.lastKey = key;
        return action;
      }
      this.buckets.delete(key);
    }
    return undefined;
  }

  private arm(): void {
    try {
      this.timerKey = this.tasks.schedule(this.intervalMs, this);
    } catch {
      this.timerKey = -1; // worker shutting down
    }
  }
}
