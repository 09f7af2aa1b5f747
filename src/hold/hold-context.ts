import type { Logger } from '../core/logger';
import type { Scheduler } from '../timers/scheduler';
import type { ChannelIndex } from './channel-index';
import type { Subscriber } from './subscriber';

/** Counters a worker keeps about its held connections (read by stats and tests). */
export interface HoldCounters {
  held: { response: number; stream: number; websocket: number };
  delivered: number;
  dropped: number;
  closedSlow: number;
}

/** What every held subscriber of one worker shares. */
export interface HoldContext {
  index: ChannelIndex;
  /** The worker's one timer wheel, driving every keep-alive and timeout. */
  scheduler: Scheduler<Subscriber>;
  logger: Logger;
  /** Bytes a held connection may have waiting in its write buffer before it is closed as `slow`. */
  maxQueuedBytes: number;
  counters: HoldCounters;
}

export function newHoldCounters(): HoldCounters {
  return { held: { response: 0, stream: 0, websocket: 0 }, delivered: 0, dropped: 0, closedSlow: 0 };
}
