/**
 * The worker's share of reliable delivery (issue 5): the task scheduler for per-worker and per-channel
 * timers, the update limiter, the bus subscriptions with linger and first-subscription updates, the
 * per-route delivery limiter, and (in-process only) the publish side's last-id table and history.
 */
import type { Logger } from '../core/logger';
import type { HistoryReader } from '../publish/history';
import type { PublishItem } from '../publish/item-types';
import type { PublishLastIds } from '../publish/last-id-table';
import { Scheduler } from '../timers/scheduler';
import { ChannelSubscriptions } from './channel-subscriptions';
import { DeliveryLimiter } from './delivery-limiter';
import { DropLog } from './drop-log';
import type { Subscriber } from './subscriber';
import { UpdateLimiter, type TimerTask } from './update-limiter';

export interface ReliableHold {
  /** Per-worker and per-channel timers (limiters, linger, first-subscription); one platform timer. */
  tasks: Scheduler<TimerTask>;
  updates: UpdateLimiter;
  subscriptions: ChannelSubscriptions;
  /** Absent when `message_rate` is unset: deliveries then happen at once. */
  deliveries?: DeliveryLimiter<Subscriber, PublishItem>;
  /** `message_block_size`: a delivery weighs ceil(size / blockSize) units. */
  blockSize?: number;
  /** The publish side's last-id table (same process only). */
  lastIds?: PublishLastIds;
  /** The per-channel history, when enabled (same process only). */
  history?: HistoryReader;
  drops: DropLog;
  /** Jitter source (retry delays). */
  random: () => number;
}

export interface ReliableHoldOptions {
  logger: Logger;
  busSubscribe(channel: string): void;
  busUnsubscribe(channel: string): void;
  /** `subscription_linger`, seconds. */
  subscriptionLingerSec: number;
  updateOnFirstSubscription: boolean;
  messageRate?: number;
  messageHwm?: number;
  messageBlockSize?: number;
  lastIds?: PublishLastIds;
  history?: HistoryReader;
  /** Runs one delivery the limiter lets through; false when it did not happen. */
  execute: (sub: Subscriber, item: PublishItem) => boolean;
}

export function createReliableHold(opts: ReliableHoldOptions): ReliableHold {
  const tasks = new Scheduler<TimerTask>((t) => t.onTimer(), undefined, {
    onError: (error) => opts.logger.error('worker task failed', { error: error instanceof Error ? error.stack : String(error) }),
  });
  const subscriptions = new ChannelSubscriptions({
    tasks,
    subscribe: opts.busSubscribe,
    unsubscribe: opts.busUnsubscribe,
    lingerMs: opts.subscriptionLingerSec * 1000,
    updateOnFirstSubscription: opts.updateOnFirstSubscription,
  });
  const reliable: ReliableHold = {
    tasks,
    updates: new UpdateLimiter(tasks),
    subscriptions,
    drops: new DropLog(opts.logger),
    random: Math.random,
  };
  if (opts.messageRate !== undefined) {
    reliable.deliveries = new DeliveryLimiter<Subscriber, PublishItem>(tasks, { rate: opts.messageRate, hwm: opts.messageHwm, execute: opts.execute });
  }
  if (opts.messageBlockSize !== undefined) reliable.blockSize = opts.messageBlockSize;
  if (opts.lastIds !== undefined) reliable.lastIds = opts.lastIds;
  if (opts.history !== undefined) reliable.history = opts.history;
  return reliable;
}

/** Stops every worker-level timer. */
export function closeReliableHold(r: ReliableHold): void {
  r.updates.close();
  r.deliveries?.close();
  r.subscriptions.close();
  r.tasks.close();
}
