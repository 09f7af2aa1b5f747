/**
 * Ordering of published items by `id` / `prev-id` and duplicate suppression, between the intakes and the
 * bus (spec grip-headers.md §8, Pushpin's `Sequencer`). Pure: no clock, no timer; the supervisor passes the
 * time in and arms one timer for {@link Sequencer.nextExpiryMs}.
 *
 * - Every item with an `id` goes through the id cache first (when `id_cache_ttl` > 0): a repeat of a
 *   `(channel, id)` seen within the TTL is dropped.
 * - Items are sequenced only when `seq` is true (the channel has subscribers and the item has no `no-seq`);
 *   others are ready at once and leave the last-id table alone.
 * - A sequenced item whose `prev-id` differs from the channel's recorded last id waits (at most
 *   `pendingMax` per channel, one per distinct `prev-id`) until its predecessor is delivered or `waitMs` have
 *   passed. A delivered item records its id as the channel's last id (an item without id clears it), then
 *   releases the waiting item whose `prev-id` is that id, and so on down the chain.
 */
import type { PublishItem } from './item-types';
import { IdCache } from './id-cache';
import type { LastIdTable } from './last-id-table';

/** Pushpin's limit of waiting items per channel. */
export const PENDING_PER_CHANNEL_MAX = 100;

export type SequencerDropReason = 'duplicate' | 'pending-full' | 'pending-same-prev-id' | 'channel-unsubscribed';

export interface SequencerDrop {
  item: PublishItem;
  reason: SequencerDropReason;
}

/** What one call produced: items to deliver now, in order, and items dropped. */
export interface SequencerResult {
  ready: PublishItem[];
  dropped: SequencerDrop[];
}

export interface SequencerOptions {
  /** `message_wait`: ms an out-of-order item waits for its predecessor. */
  waitMs: number;
  /** `id_cache_ttl`: seconds a `(channel, id)` is remembered; 0 = off. */
  idCacheTtlSec: number;
  /** The last-id table (shared with held sessions, which read and clear entries). */
  lastIds: LastIdTable;
  /** Waiting items per channel (default 100). */
  pendingMax?: number;
}

interface Pending {
  item: PublishItem;
  /** When it started waiting, ms. */
  since: number;
}

export class Sequencer {
  private readonly idCache: IdCache;
  private readonly pendingMax: number;
  /** channel → prev-id → the item waiting for that predecessor. */
  private readonly pending = new Map<string, Map<string, Pending>>();
  /** Every waiting item in arrival order (= expiry order, the wait being the same for all). */
  private readonly byTime = new Set<Pending>();

  constructor(private readonly opts: SequencerOptions) {
    this.idCache = new IdCache(opts.idCacheTtlSec * 1000);
    this.pendingMax = opts.pendingMax ?? PENDING_PER_CHANNEL_MAX;
  }

  /** Items waiting for a predecessor, all channels. */
  get pendingCount(): number {
    return this.byTime.size;
  }

  /** Entries in the id cache. */
  get idCacheSize(): number {
    return this.idCache.size;
  }

  /**
   * Takes one validated item.
   * @param seq sequence it (the channel has subscribers and the item is not `no-seq`).
   * @param nowMs current monotonic time, ms.
   */
  add(item: PublishItem, seq: boolean, nowMs: number): SequencerResult {
    const out: SequencerResult = { ready: [], dropped: [] };
    if (item.id !== undefined && this.idCache.seen(item.channel, item.id, nowMs)) {
      out.dropped.push({ item, reason: 'duplicate' });
      return out;
    }
    if (!seq) {
      out.ready.push(item);
      return out;
    }
    const lastId = this.opts.lastIds.get(item.channel);
    if (lastId !== undefined && item.prevId !== undefined && lastId !== item.prevId) {
      let waiting = this.pending.get(item.channel);
      if (waiting === undefined) {
        waiting = new Map();
        this.pending.set(item.channel, waiting);
      }
      if (waiting.has(item.prevId)) {
        out.dropped.push({ item, reason: 'pending-same-prev-id' });
      } else if (waiting.size >= this.pendingMax) {
        out.dropped.push({ item, reason: 'pending-full' });
      } else {
        const p: Pending = { item, since: nowMs };
        waiting.set(item.prevId, p);
        this.byTime.add(p);
      }
      if (waiting.size === 0) this.pending.delete(item.channel);
      return out;
    }
    this.send(item, out.ready);
    return out;
  }

  /** Releases every item that has waited `waitMs` or more at `nowMs` (and whatever follows it). */
  expire(nowMs: number): SequencerResult {
    const out: SequencerResult = { ready: [], dropped: [] };
    const threshold = nowMs - this.opts.waitMs;
    for (const p of this.byTime) {
      if (p.since > threshold) break;
      this.take(p);
      this.send(p.item, out.ready);
    }
    return out;
  }

  /** When the oldest waiting item is due (monotonic ms), or undefined when nothing waits. */
  nextExpiryMs(): number | undefined {
    const first = this.byTime.values().next();
    return first.done === true ? undefined : first.value.since + this.opts.waitMs;
  }

  /** The channel lost its last subscriber: its waiting items are discarded and its last id forgotten. */
  clearChannel(channel: string): SequencerDrop[] {
    const dropped: SequencerDrop[] = [];
    const waiting = this.pending.get(channel);
    if (waiting !== undefined) {
      for (const p of waiting.values()) {
        this.byTime.delete(p);
        dropped.push({ item: p.item, reason: 'channel-unsubscribed' });
      }
      this.pending.delete(channel);
    }
    this.opts.lastIds.remove(channel);
    return dropped;
  }

  /** `recover`: forgets every channel's last id (waiting items still go out on time). */
  clearLastIds(): void {
    this.opts.lastIds.clear();
  }

  private take(p: Pending): void {
    this.byTime.delete(p);
    const waiting = this.pending.get(p.item.channel);
    if (waiting === undefined || p.item.prevId === undefined) return;
    waiting.delete(p.item.prevId);
    if (waiting.size === 0) this.pending.delete(p.item.channel);
  }

  /** Delivers `item`, records its id, then the chain of waiting items that follow it. */
  private send(item: PublishItem, ready: PublishItem[]): void {
    let current: PublishItem | undefined = item;
    while (current !== undefined) {
      if (current.id !== undefined) this.opts.lastIds.set(current.channel, current.id);
      else this.opts.lastIds.remove(current.channel);
      ready.push(current);
      const id: string | undefined = current.id;
      const next: Pending | undefined = id === undefined ? undefined : this.pending.get(current.channel)?.get(id);
      if (next === undefined) return;
      this.take(next);
      current = next.item;
    }
  }
}
