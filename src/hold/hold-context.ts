import type { Logger } from '../core/logger';
import type { StatsEvents } from '../stats/stats-events';
import type { Scheduler } from '../timers/scheduler';
import type { ChannelIndex } from './channel-index';
import type { ReliableHold } from './reliable-hold';
import type { Subscriber } from './subscriber';

/** Counters a worker keeps about its held connections (read by stats and tests). */
export interface HoldCounters {
  held: { response: number; stream: number; websocket: number };
  delivered: number;
  /** Deliverable items not delivered, all causes (the counters below break some of them down). */
  dropped: number;
  closedSlow: number;
  /** Deliveries dropped because their route was at `message_hwm`. */
  droppedHwm: number;
  /** Items dropped because a stream's queue (100 items while its next link is fetched) was full. */
  droppedQueue: number;
  /** Items a subscription's filters skipped (`skip-self`, ...): wanted, not losses. */
  filtered: number;
  /** Long-poll re-requests (hint, prev-id mismatch, recover, first subscription). */
  rerequests: number;
  /** Next-link fetches started, and chains that failed for good (the stream was ended). */
  linkFetches: number;
  linkFailures: number;
  /** Items replayed from the history to reconnecting clients. */
  replayed: number;
  /** Gaps neither the history nor a next link could cover (SSE clients got a `stream-reset` event). */
  gaps: number;
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
  /** Stats events (held connections, deliveries); absent = no stats. */
  stats?: StatsEvents;
  /** Sequencing, recovery, limits and history (issue 5). */
  reliable: ReliableHold;
}

export function newHoldCounters(): HoldCounters {
  return {
    held: { response: 0, stream: 0, websocket: 0 },
    delivered: 0,
    dropped: 0,
    closedSlow: 0,
    droppedHwm: 0,
    droppedQueue: 0,
    filtered: 0,
    rerequests: 0,
    linkFetches: 0,
    linkFailures: 0,
    replayed: 0,
    gaps: 0,
  };
}
