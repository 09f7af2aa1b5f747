import { applyMessageFilters, contentFilterMismatch } from '../../hold/filters';
import type { HoldContext } from '../../hold/hold-context';
import type { Subscriber } from '../../hold/subscriber';
import type { PublishItem } from '../../publish/item-types';

/** What the filters decided about one publish: its content, a skip, or an error (Pushpin's message). */
export type FilterResult = { kind: 'send'; content: Buffer } | { kind: 'skip' } | { kind: 'error'; message: string; mismatch: boolean };

/** The filters of the many subscriptions that have none: one shared list, not one per subscription. */
const NO_FILTERS: readonly string[] = Object.freeze([]);
/** The subscription meta of a connection that has set none. */
const NO_META: Readonly<Record<string, string>> = Object.freeze(Object.create(null) as Record<string, string>);

interface Subscription {
  /** The name as the backend gave it (before the route prefix). */
  name: string;
  filters: readonly string[];
}

/**
 * The channel subscriptions of one WebSocket connection (from `subscribe` control messages and the
 * target's `sub=`), their filters and the subscription meta of `set-meta`, registered on the worker's
 * channel index.
 */
export class WsSubscriptions {
  /** Full channel name (route prefix included) → subscription. */
  private readonly byChannel = new Map<string, Subscription>();
  /** Subscription meta (`user` for `skip-self`, ...); its own object from the first `set-meta` on. */
  private meta: Readonly<Record<string, string>> = NO_META;

  constructor(
    private readonly hold: HoldContext,
    private readonly owner: Subscriber,
    private readonly prefix: string,
    /** `connection_subscription_max`. */
    private readonly max: number,
    /**
     * `sub=` channels (backend names): they cannot be unsubscribed. The route target's own list, shared by
     * its connections (a few names at most, so a search is as quick as a set).
     */
    private readonly fixed: readonly string[],
  ) {}

  /** Full channel names. */
  get channels(): string[] {
    return [...this.byChannel.keys()];
  }

  get channelCount(): number {
    return this.byChannel.size;
  }

  filtersOf(channel: string): readonly string[] {
    return this.byChannel.get(channel)?.filters ?? [];
  }

  /** Subscribes the `sub=` channels. */
  start(): void {
    for (const name of this.fixed) this.subscribe(name, []);
  }

  /**
   * Subscribes to `name` (the route prefix is added); a repeated subscription replaces the filters.
   * Returns false when the connection is at its subscription limit (the subscription is ignored).
   */
  subscribe(name: string, filters: readonly string[]): boolean {
    const channel = this.prefix + name;
    const known = this.byChannel.has(channel);
    if (!known && this.byChannel.size >= this.max) return false;
    this.byChannel.set(channel, { name, filters: filters.length === 0 ? NO_FILTERS : filters });
    if (!known) this.hold.index.add(channel, this.owner);
    return true;
  }

  /** Unsubscribes from `name`, unless it is a `sub=` channel. */
  unsubscribe(name: string): void {
    const channel = this.prefix + name;
    if (this.fixed.includes(name) || !this.byChannel.delete(channel)) return;
    this.hold.index.remove(channel, this.owner);
  }

  setMeta(name: string, value: string | undefined): void {
    if (value === undefined && !(name in this.meta)) return;
    const meta: Record<string, string> = this.meta === NO_META ? (Object.create(null) as Record<string, string>) : this.meta;
    if (value === undefined) delete meta[name];
    else meta[name] = value;
    this.meta = meta;
  }

  /** Leaves every channel. */
  clear(): void {
    for (const channel of this.byChannel.keys()) this.hold.index.remove(channel, this.owner);
    this.byChannel.clear();
  }

  /**
   * Runs the filters of the item's channel over it (Pushpin runs them for every action): first the
   * `content-filters` agreement check, then the filters in order. Skips are counted as `filtered`.
   */
  filter(item: PublishItem, claimed: string[] | undefined, content: Buffer): FilterResult {
    const sub = this.byChannel.get(item.channel);
    if (!sub) return { kind: 'send', content };
    const mismatch = contentFilterMismatch(sub.filters, claimed);
    if (mismatch !== undefined) return { kind: 'error', message: mismatch, mismatch: true };
    if (sub.filters.length === 0) return { kind: 'send', content };
    const prevIds = new Map<string, string | undefined>();
    for (const s of this.byChannel.values()) prevIds.set(s.name, undefined);
    const out = applyMessageFilters(sub.filters, { subMeta: this.meta, pubMeta: item.meta, prevIds }, content);
    if (out.action === 'send') return { kind: 'send', content: out.content };
    if (out.action === 'drop') {
      this.hold.counters.filtered++;
      return { kind: 'skip' };
    }
    return { kind: 'error', message: `filter error: ${out.message}`, mismatch: false };
  }
}
