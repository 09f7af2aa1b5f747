import type { PublishItem } from '../publish/item-types';

/**
 * What happened to one delivery: `ignored` when the item has no format for this kind of subscriber (not a
 * loss), `dropped` when a deliverable item was not delivered (counted and logged).
 */
export type DeliveryOutcome = 'sent' | 'backpressure' | 'dropped' | 'ignored' | 'closed';

/** Why a held connection was closed, as logs and stats report it. */
export type CloseReason = 'timeout' | 'slow' | 'gone' | 'shutdown' | 'done' | 'error' | 'rerequest';

/** A held client connection registered on channels of the worker's channel index. */
export interface Subscriber {
  readonly kind: 'response' | 'stream' | 'websocket';
  /** Full channel names (route prefix included); may be built on each read. */
  readonly channels: readonly string[];
  /** How many channels it holds (`channels.length`, without building the list). */
  readonly channelCount: number;
  deliver(item: PublishItem): DeliveryOutcome;
  /** Called by the worker's single timer wheel when this subscriber's timer expires. */
  onTimer(): void;
  close(reason: CloseReason): void;
  /**
   * Route id, for per-route delivery limits (`message_rate`, `message_hwm`) and logs; absent = the
   * unnamed route bucket.
   */
  readonly route?: string;
  /** Connection id for logs (the stats id when stats are on). */
  readonly connectionId?: string;
  /** Bytes written to the client but not yet sent (dashboard); absent = nothing queued (a waiting long-poll). */
  readonly queuedBytes?: number;
  /**
   * An "update" (spec grip-headers.md §6): a long-poll re-requests its backend, a stream with a next link
   * fetches it. `low` goes through the worker's update limiter (10/s), `high` happens at once. Optional:
   * subscribers without the notion (WebSocket) ignore `recover` and first-subscription updates.
   */
  update?(priority: UpdatePriority): void;
}

/** `high` for `hint`, `low` for everything else (Pushpin's two update priorities). */
export type UpdatePriority = 'low' | 'high';
