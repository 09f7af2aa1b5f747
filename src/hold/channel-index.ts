import { subModeOf, type StatsEvents } from '../stats/stats-events';
import type { Subscriber } from './subscriber';

/**
 * Channel name → held subscribers, for one worker. Reports only 0→1 and 1→0 transitions, which is all the
 * bus needs to know.
 */
export class ChannelIndex {
  private readonly map = new Map<string, Set<Subscriber>>();

  constructor(
    /** 0→1 and 1→0 transitions; `sub` is the subscriber that caused it (linger depends on its kind). */
    private readonly onTransition: (channel: string, subscribed: boolean, sub: Subscriber) => void,
    /** Told of every subscriber added to or removed from a channel (stats `sub` counts). */
    private readonly stats?: StatsEvents,
  ) {}

  add(channel: string, sub: Subscriber): void {
    let set = this.map.get(channel);
    if (!set) {
      set = new Set();
      this.map.set(channel, set);
      set.add(sub);
      this.stats?.subscribed(subModeOf(sub.kind), channel);
      this.onTransition(channel, true, sub);
      return;
    }
    if (set.has(sub)) return;
    set.add(sub);
    this.stats?.subscribed(subModeOf(sub.kind), channel);
  }

  remove(channel: string, sub: Subscriber): void {
    const set = this.map.get(channel);
    if (!set || !set.delete(sub)) return;
    this.stats?.unsubscribed(subModeOf(sub.kind), channel);
    if (set.size === 0) {
      this.map.delete(channel);
      this.onTransition(channel, false, sub);
    }
  }

  /** The subscribers of a channel; callers iterate over a copy when delivery may unsubscribe. */
  get(channel: string): ReadonlySet<Subscriber> | undefined {
    return this.map.get(channel);
  }

  get channelCount(): number {
    return this.map.size;
  }

  channels(): IterableIterator<string> {
    return this.map.keys();
  }

  /** Every distinct subscriber (for shutdown). */
  allSubscribers(): Set<Subscriber> {
    const all = new Set<Subscriber>();
    for (const set of this.map.values()) for (const sub of set) all.add(sub);
    return all;
  }
}
