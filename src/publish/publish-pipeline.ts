/**
 * What happens to validated items between the intakes and the bus (spec publishing.md §8): sequencing by
 * `id` / `prev-id` with the out-of-order wait, duplicate suppression, the per-channel history (Thumbtack
 * only), then the bus. The one timer here releases items whose wait is over; it is armed for the earliest
 * such item only while items wait.
 *
 * A channel is sequenced while the bus reports a subscriber for it (long-poll channels through their
 * linger); when it loses its last one, its waiting items and its last id are discarded. `recover` clears
 * every last id.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from '../core/logger';
import type { Bus } from './bus';
import { ChannelHistory, type HistoryReader } from './history';
import type { PublishItem } from './item-types';
import { LastIdTable } from './last-id-table';
import { Sequencer, type SequencerDrop, type SequencerResult } from './sequencer';

/** How often the whole history is swept for expired items, ms. */
const HISTORY_SWEEP_MS = 60_000;

export interface PublishPipelineOptions {
  bus: Bus;
  logger: Logger;
  /** `message_wait`, ms. */
  messageWaitMs: number;
  /** `id_cache_ttl`, s. */
  idCacheTtlSec: number;
  /** `history_max_items` (0 = off), `history_max_age` (s), `history_max_bytes`. */
  history: { maxItems: number; maxAgeSec: number; maxBytes: number };
  /** Monotonic clock, ms (tests pass their own). */
  now?: () => number;
}

/** Counters of the publish side (read by stats and tests). */
export interface PublishCounters {
  /** Items received by `publish`. */
  received: number;
  /** Items handed to the bus. */
  forwarded: number;
  /** Repeats of a `(channel, id)` seen within `id_cache_ttl`. */
  duplicates: number;
  /** Items that waited for a predecessor. */
  waited: number;
  /** Waiting items sent when `message_wait` ran out (their predecessor never came), with any that followed them. */
  waitExpired: number;
  /** Out-of-order items dropped: a channel already had 100 waiting, or one with the same prev-id. */
  droppedPending: number;
  /** Waiting items discarded because their channel lost its last subscriber. */
  droppedUnsubscribed: number;
}

export class PublishPipeline {
  readonly lastIds = new LastIdTable();
  readonly sequencer: Sequencer;
  readonly history?: ChannelHistory;
  readonly counters: PublishCounters = {
    received: 0,
    forwarded: 0,
    duplicates: 0,
    waited: 0,
    waitExpired: 0,
    droppedPending: 0,
    droppedUnsubscribed: 0,
  };
  private readonly now: () => number;
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;
  private sweeper?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly opts: PublishPipelineOptions) {
    this.now = opts.now ?? (() => performance.now());
    this.sequencer = new Sequencer({ waitMs: opts.messageWaitMs, idCacheTtlSec: opts.idCacheTtlSec, lastIds: this.lastIds });
    if (opts.history.maxItems > 0) {
      const history = new ChannelHistory({
        maxItems: opts.history.maxItems,
        maxAgeMs: opts.history.maxAgeSec * 1000,
        maxBytes: opts.history.maxBytes,
      });
      this.history = history;
      this.sweeper = setInterval(() => history.prune(this.now()), HISTORY_SWEEP_MS);
      this.sweeper.unref();
    }
    opts.bus.onInterest((channel, interested) => {
      if (interested) return;
      this.countDrops(this.sequencer.clearChannel(channel));
    });
  }

  /** What workers in this process read from the history (absent when history is off). */
  historyReader(): HistoryReader | undefined {
    const history = this.history;
    if (history === undefined) return undefined;
    return { after: (channel, lastId) => history.after(channel, lastId, this.now()) };
  }

  /** Sequences validated items and hands the ready ones to the bus, in order. */
  publish(items: readonly PublishItem[]): void {
    if (this.closed) return;
    const now = this.now();
    const ready: PublishItem[] = [];
    for (const item of items) {
      this.counters.received++;
      const seq = !item.noSeq && this.opts.bus.hasSubscribers(item.channel);
      const waitingBefore = this.sequencer.pendingCount;
      const r = this.sequencer.add(item, seq, now);
      if (this.sequencer.pendingCount > waitingBefore) {
        this.counters.waited++;
        if (this.opts.logger.enabled(3)) this.opts.logger.debug('item waits for its predecessor', { channel: item.channel, id: item.id, prevId: item.prevId });
      }
      this.collect(r, ready);
    }
    this.forward(ready);
    this.armTimer();
  }

  /** `recover`: forget every channel's last id (sessions are updated by the workers). */
  recover(): void {
    this.sequencer.clearLastIds();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.sweeper) clearInterval(this.sweeper);
    this.timer = undefined;
    this.sweeper = undefined;
  }

  private collect(r: SequencerResult, ready: PublishItem[]): void {
    ready.push(...r.ready);
    this.countDrops(r.dropped);
  }

  private countDrops(drops: SequencerDrop[]): void {
    for (const d of drops) {
      const fields = { channel: d.item.channel, id: d.item.id, prevId: d.item.prevId };
      switch (d.reason) {
        case 'duplicate':
          this.counters.duplicates++;
          if (this.opts.logger.enabled(3)) this.opts.logger.debug('duplicate item dropped', fields);
          break;
        case 'channel-unsubscribed':
          this.counters.droppedUnsubscribed++;
          this.opts.logger.info('waiting item discarded: its channel has no subscriber any more', fields);
          break;
        default:
          this.counters.droppedPending++;
          this.opts.logger.warn(
            d.reason === 'pending-full' ? 'too many items waiting for a predecessor, dropping' : 'an item already waits for this prev-id, dropping',
            fields,
          );
      }
    }
  }

  /** Records ready items in the history and hands them to the bus, in the same tick. */
  private forward(ready: PublishItem[]): void {
    if (ready.length === 0) return;
    const now = this.now();
    if (this.history !== undefined) for (const item of ready) this.history.append(item, now);
    this.counters.forwarded += ready.length;
    this.opts.bus.publish(ready);
  }

  private armTimer(): void {
    const next = this.sequencer.nextExpiryMs();
    if (next === undefined) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAt = Infinity;
      return;
    }
    if (this.timer && next >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, Math.ceil(next - this.now())));
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.closed) return;
    const before = this.sequencer.pendingCount;
    const r = this.sequencer.expire(this.now());
    const released = before - this.sequencer.pendingCount;
    if (released > 0) {
      this.counters.waitExpired += released;
      this.opts.logger.info('out-of-order items sent after message_wait', { count: released });
    }
    const ready: PublishItem[] = [];
    this.collect(r, ready);
    this.forward(ready);
    this.armTimer();
  }
}
