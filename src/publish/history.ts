/**
 * Per-channel history of published items (Thumbtack only; Pushpin has none): a bounded buffer of the items
 * that carried an `id`, in delivery order, so that a reconnecting client can be replayed what it missed
 * without a round trip to the backend. Pure: the caller passes the time (monotonic ms).
 *
 * Bounds: at most `maxItems` items per channel, none older than `maxAgeMs`, and `maxBytes` for all channels
 * together (payload bytes plus a fixed overhead per item); past the byte budget the oldest items of the
 * least recently published channels go first.
 */
import type { PublishItem } from './item-types';

/** Bytes counted per item on top of its payloads (ids, bookkeeping). */
export const HISTORY_ITEM_OVERHEAD = 128;

export interface HistoryOptions {
  /** Items kept per channel; 0 turns history off. */
  maxItems: number;
  /** Items older than this (ms) are forgotten. */
  maxAgeMs: number;
  /** Budget for all channels together, bytes. */
  maxBytes: number;
}

/**
 * The answer to "what came after `lastId` on this channel":
 * - `found`: the buffer holds `lastId`; `items` are the items after it, in order (may be empty);
 * - `gap`: the buffer cannot say (`unknown-id`: `lastId` is not, or no longer, in the buffer;
 *   `broken-chain`: an item after it names a `prev-id` that is not the item before it in the buffer).
 */
export type HistoryLookup = { kind: 'found'; items: PublishItem[] } | { kind: 'gap'; reason: 'unknown-id' | 'broken-chain' };

/** What held sessions read from the history. */
export interface HistoryReader {
  /** Items of `channel` after `lastId` (see {@link HistoryLookup}). */
  after(channel: string, lastId: string): HistoryLookup;
}

interface Entry {
  item: PublishItem;
  id: string;
  at: number;
  bytes: number;
}

class ChannelBuffer {
  entries: Entry[] = [];
  /** Index of the oldest live entry (entries before it were dropped; compacted now and then). */
  head = 0;

  get length(): number {
    return this.entries.length - this.head;
  }

  oldest(): Entry | undefined {
    return this.entries[this.head];
  }

  shift(): Entry | undefined {
    const e = this.entries[this.head];
    if (e === undefined) return undefined;
    this.head++;
    if (this.head > 64 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    return e;
  }
}

/** Payload bytes of an item (every format's body or content). */
export function itemBytes(item: PublishItem): number {
  const f = item.formats;
  return (
    (f['http-response']?.body?.length ?? 0) +
    (f['http-stream']?.content?.length ?? 0) +
    (f['ws-message']?.content?.length ?? 0) +
    HISTORY_ITEM_OVERHEAD +
    (item.id?.length ?? 0) +
    (item.prevId?.length ?? 0)
  );
}

export class ChannelHistory implements HistoryReader {
  /** Insertion order is publish recency: the first channel is the least recently published. */
  private readonly channels = new Map<string, ChannelBuffer>();
  private bytes = 0;
  private items = 0;
  /** Items forgotten because of the byte budget (not count or age). */
  evictedForBytes = 0;

  constructor(private readonly opts: HistoryOptions) {}

  get enabled(): boolean {
    return this.opts.maxItems > 0;
  }

  /** Channels, items and bytes currently held. */
  get size(): { channels: number; items: number; bytes: number } {
    return { channels: this.channels.size, items: this.items, bytes: this.bytes };
  }

  /**
   * Records a delivered item. Items without an `id` are not kept (nothing could refer to them).
   * @param nowMs current monotonic time, ms.
   */
  append(item: PublishItem, nowMs: number): void {
    if (!this.enabled || item.id === undefined) return;
    let buf = this.channels.get(item.channel);
    if (buf === undefined) buf = new ChannelBuffer();
    else this.channels.delete(item.channel); // re-inserted below: most recently published
    this.channels.set(item.channel, buf);
    const entry: Entry = { item, id: item.id, at: nowMs, bytes: itemBytes(item) };
    buf.entries.push(entry);
    this.bytes += entry.bytes;
    this.items++;
    this.trimChannel(item.channel, buf, nowMs);
    this.enforceBudget();
  }

  /** Items of `channel` after `lastId`, as of `nowMs` (expired items are dropped first). */
  after(channel: string, lastId: string, nowMs?: number): HistoryLookup {
    const buf = this.channels.get(channel);
    if (buf === undefined) return { kind: 'gap', reason: 'unknown-id' };
    if (nowMs !== undefined) this.trimChannel(channel, buf, nowMs);
    let at = -1;
    for (let i = buf.entries.length - 1; i >= buf.head; i--) {
      if ((buf.entries[i] as Entry).id === lastId) {
        at = i;
        break;
      }
    }
    if (at < 0) return { kind: 'gap', reason: 'unknown-id' };
    const items: PublishItem[] = [];
    let previousId = lastId;
    for (let i = at + 1; i < buf.entries.length; i++) {
      const e = buf.entries[i] as Entry;
      if (e.item.prevId !== undefined && e.item.prevId !== previousId) return { kind: 'gap', reason: 'broken-chain' };
      items.push(e.item);
      previousId = e.id;
    }
    return { kind: 'found', items };
  }

  /** The newest id kept for `channel`, if any. */
  latestId(channel: string): string | undefined {
    const buf = this.channels.get(channel);
    return buf === undefined ? undefined : buf.entries[buf.entries.length - 1]?.id;
  }

  /** Drops expired items of every channel (call now and then; reads and appends also trim their channel). */
  prune(nowMs: number): void {
    for (const [channel, buf] of this.channels) this.trimChannel(channel, buf, nowMs);
  }

  clear(): void {
    this.channels.clear();
    this.bytes = 0;
    this.items = 0;
  }

  private trimChannel(channel: string, buf: ChannelBuffer, nowMs: number): void {
    const oldestAllowed = nowMs - this.opts.maxAgeMs;
    while (buf.length > 0) {
      const e = buf.oldest() as Entry;
      if (buf.length <= this.opts.maxItems && e.at >= oldestAllowed) break;
      this.drop(buf);
    }
    if (buf.length === 0) this.channels.delete(channel);
  }

  private enforceBudget(): void {
    while (this.bytes > this.opts.maxBytes) {
      const first = this.channels.entries().next();
      if (first.done === true) return;
      const [channel, buf] = first.value;
      this.drop(buf);
      this.evictedForBytes++;
      if (buf.length === 0) this.channels.delete(channel);
    }
  }

  private drop(buf: ChannelBuffer): void {
    const e = buf.shift();
    if (e === undefined) return;
    this.bytes -= e.bytes;
    this.items--;
  }
}
