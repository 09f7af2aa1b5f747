import type { Subscriber } from './subscriber';

/**
 * Channel name → held subscribers, for one worker. Reports only 0→1 and 1→0 transitions, which is all the
 * bus needs to know.
 */
export class ChannelIndex {
  private readonly map = new Map<string, Set<Subscriber>>();

  constructor(private readonly onTransition: (channel: string, subscribed: boolean) => void) {}

  add(channel: string, sub: Subscriber): void {
    let set = this.map.get(channel);
    if (!set) {
      set = new Set();
      this.map.set(channel, set);
      set.add(sub);
      this.onTransition(channel, true);
      return;
    }
    set.add(sub);
  }

  remove(channel: string, sub: Subscriber): void {
    const set = this.map.get(channel);
    if (!set || !set.delete(sub)) return;
    if (set.size === 0) {
      this.map.delete(channel);
      this.onTransition(channel, false);
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
