/**
 * What a worker tells the stats side (spec/stats.md). Every call is cheap on the hot path: a counter bump or
 * a map update; encoding and sending happen later, batched, in the collector. The worker reaches it through
 * `HoldContext.stats` (optional: absent = no stats).
 */

/** `conn` message `type`. */
export type ConnType = 'http' | 'ws';

/** `sub` message `mode`: long-poll, HTTP stream, WebSocket. */
export type SubMode = 'response' | 'stream' | 'ws';

/** `message` packet `transport`. */
export type Transport = 'http-response' | 'http-stream' | 'ws-message';

/** A held connection as the `conn` message describes it. */
export interface HeldConnectionInfo {
  /** Connection id; absent for HTTP: the collector gives one (`thumbtack:<worker>-<n>`). WebSocket: its `Connection-Id`. */
  id?: string;
  type: ConnType;
  /** Client IP (first `X-Forwarded-For` value when trusted, else the TCP peer). */
  peerAddress: string;
  ssl: boolean;
  /** Route id, only when the route has an explicit `id=`. */
  route?: string;
}

/** Receivers of one item per transport, counted by the fan-out. */
export interface DeliveryCounts {
  'http-response': number;
  'http-stream': number;
  'ws-message': number;
}

export interface StatsEvents {
  /** A client request or WebSocket connection was accepted (one `activity` unit, one `requests-received`). */
  requestReceived(route: string | undefined): void;
  /** One activity unit (a keep-alive sent, a WebSocket minute with traffic). */
  activity(route: string | undefined, count: number): void;
  /** A connection became held (once per connection, re-requests excluded); returns its id. */
  connHeld(conn: HeldConnectionInfo): string;
  /** The held connection with this id ended. Unknown ids are ignored. */
  connEnded(id: string): void;
  /** One more subscriber of `mode` on `channel` (full name, route prefix included). */
  subscribed(mode: SubMode, channel: string): void;
  /** One subscriber of `mode` left `channel`. */
  unsubscribed(mode: SubMode, channel: string): void;
  /** An item was handed to its receivers; `size` is the item's `size` field, if any. */
  delivered(channel: string, itemId: string | undefined, counts: DeliveryCounts, size: number | undefined): void;
  /** Items accepted by a publish intake (counted; `size` feeds block counts). */
  itemsReceived(items: ReadonlyArray<{ size?: number }>): void;
}

/** `Subscriber.kind` → `sub` mode. */
export function subModeOf(kind: 'response' | 'stream' | 'websocket'): SubMode {
  return kind === 'websocket' ? 'ws' : kind;
}
