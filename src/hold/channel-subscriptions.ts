/**
 * A worker's channel subscriptions on the bus, with Pushpin's two timing rules (spec grip-headers.md §6):
 *
 * - **linger**: when the last long-poll of a channel leaves, the bus subscription (and with it the
 *   channel's sequencing state) is kept `subscription_linger` seconds, so clients that poll again at once
 *   cause no unsubscribe/subscribe flap and no new first-subscription update. Streams and WebSockets
 *   unsubscribe at once.
 * - **first-subscription update**: 1 s after a channel really becomes subscribed, every session then on it
 *   is updated (long-polls re-requested, streams with a next link fetch it), closing the race between the
 *   backend's answer and the subscription. `update_on_first_subscription=false` turns it off.
 *
 * Timers run on the worker's task scheduler (one entry per channel, never per connection).
 */
import type { Scheduler } from '../timers/scheduler';
import type { ChannelIndex } from './channel-index';
import type { Subscriber } from './subscriber';
import type { TimerTask } from './update-limiter';

/** Pushpin's first-subscription delay. */
export const FIRST_SUBSCRIPTION_DELAY_MS = 1000;

export interface ChannelSubscriptionsOptions {
  tasks: Scheduler<TimerTask>;
  /** Where the bus is told (0→1 and 1→0 only). */
  subscribe(channel: string): void;
  unsubscribe(channel: string): void;
  /** `subscription_linger`, ms (0 = none). */
  lingerMs: number;
  /** `update_on_first_subscription`. */
  updateOnFirstSubscription: boolean;
  /** Default 1000 ms. */
  firstSubscriptionDelayMs?: number;
}

class ChannelTimer implements TimerTask {
  key = -1;
  constructor(
    readonly owner: ChannelSubscriptions,
    readonly channel: string,
    readonly kind: 'linger' | 'first',
  ) {}

  onTimer(): void {
    this.key = -1;
    this.owner.fired(this);
  }
}

export class ChannelSubscriptions {
  private readonly lingering = new Map<string, ChannelTimer>();
  private readonly firstTimers = new Map<string, ChannelTimer>();
  private index?: ChannelIndex;

  constructor(private readonly opts: ChannelSubscriptionsOptions) {}

  /** The index whose subscribers are updated on the first-subscription timer. */
  attach(index: ChannelIndex): void {
    this.index = index;
  }

  /** Channels kept only by their linger. */
  get lingerCount(): number {
    return this.lingering.size;
  }

  isLingering(channel: string): boolean {
    return this.lingering.has(channel);
  }

  /** The channel index's 0→1 / 1→0 transition; `sub` is the subscriber that caused it. */
  transition(channel: string, subscribed: boolean, sub?: Subscriber): void {
    if (subscribed) {
      const linger = this.lingering.get(channel);
      if (linger !== undefined) {
        this.cancel(linger);
        this.lingering.delete(channel);
        return; // still subscribed on the bus: no new first-subscription update
      }
      this.opts.subscribe(channel);
      if (this.opts.updateOnFirstSubscription) this.startFirstTimer(channel);
      return;
    }
    if (sub?.kind === 'response' && this.opts.lingerMs > 0) {
      const t = new ChannelTimer(this, channel, 'linger');
      this.lingering.set(channel, t);
      this.arm(t, this.opts.lingerMs);
      return;
    }
    this.unsubscribeNow(channel);
  }

  /** Called by a channel timer. */
  fired(t: ChannelTimer): void {
    if (t.kind === 'linger') {
      if (this.lingering.get(t.channel) !== t) return;
      this.lingering.delete(t.channel);
      const live = this.index?.get(t.channel);
      if (live === undefined || live.size === 0) this.unsubscribeNow(t.channel);
      return;
    }
    if (this.firstTimers.get(t.channel) !== t) return;
    this.firstTimers.delete(t.channel);
    const subs = this.index?.get(t.channel);
    if (subs === undefined) return;
    for (const sub of [...subs]) sub.update?.('low');
  }

  /** Drops every timer (worker shutdown). */
  close(): void {
    for (const t of this.lingering.values()) this.cancel(t);
    for (const t of this.firstTimers.values()) this.cancel(t);
    this.lingering.clear();
    this.firstTimers.clear();
  }

  private unsubscribeNow(channel: string): void {
    const first = this.firstTimers.get(channel);
    if (first !== undefined) {
      this.cancel(first);
      this.firstTimers.delete(channel);
    }
    this.opts.unsubscribe(channel);
  }

  private startFirstTimer(channel: string): void {
    const t = new ChannelTimer(this, channel, 'first');
    this.firstTimers.set(channel, t);
    this.arm(t, this.opts.firstSubscriptionDelayMs ?? FIRST_SUBSCRIPTION_DELAY_MS);
  }

  private arm(t: ChannelTimer, delayMs: number): void {
    try {
      t.key = this.opts.tasks.schedule(delayMs, t);
    } catch {
      t.key = -1; // worker shutting down
    }
  }

  private cancel(t: ChannelTimer): void {
    if (t.key >= 0) this.opts.tasks.cancel(t.key);
    t.key = -1;
  }
}
