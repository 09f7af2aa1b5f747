import type { EventEmitter } from 'node:events';
import type { XffRule } from '../config/config';
import type { ClientRequestInfo } from '../proxy/client-request';
import type { StatsEvents } from './stats-events';
import { headerNameIs } from '../core/http-syntax';

/** On a held endpoint: its stats id (the id alone: a record per connection would cost 40 bytes). */
const CONN = Symbol('thumbtack.heldConnection');

/**
 * What a held connection's life is tied to: its `ServerResponse`, or its socket once a stream has taken the
 * socket over (proxy/held-socket.ts). Either emits `close` when the client is gone.
 */
export type HeldEndpoint = EventEmitter & { readonly destroyed: boolean };

type TrackedResponse = HeldEndpoint & { [CONN]?: string };

/**
 * The `close` listener that reports a held connection's end to `stats`: one per stats sink (a worker has
 * one), shared by all its connections, so that each connection keeps only its id. `close` comes once per
 * endpoint, and a second `connEnded` would be ignored anyway.
 */
const closeListeners = new WeakMap<StatsEvents, (this: TrackedResponse) => void>();

function closeListenerFor(stats: StatsEvents): (this: TrackedResponse) => void {
  let listener = closeListeners.get(stats);
  if (listener === undefined) {
    listener = function onHeldClose(this: TrackedResponse): void {
      const id = this[CONN];
      if (id !== undefined) stats.connEnded(id);
    };
    closeListeners.set(stats, listener);
  }
  return listener;
}

/**
 * The client address a `conn` message reports (spec/stats.md §2): the first `X-Forwarded-For` value when
 * the request has one, unless the `x_forwarded_for` rule drops them all (`truncate:0`); else the TCP peer.
 */
export function statsPeerAddress(headers: ReadonlyArray<[string, string]>, tcpPeer: string, rule: XffRule): string {
  if (rule.truncate === 0) return tcpPeer;
  for (const [name, value] of headers) {
    if (!headerNameIs(name, 'x-forwarded-for')) continue;
    const first = (value.split(',')[0] ?? '').trim();
    if (first !== '') return first;
  }
  return tcpPeer;
}

/**
 * Announces a held HTTP connection to stats once (a long-poll re-request keeps its id) and reports its end
 * when the response closes. Gives the connection its id (`thumbtack:<worker>-<n>`), which `conncheck` knows.
 */
export function trackHeldConnection(
  stats: StatsEvents | undefined,
  res: HeldEndpoint,
  info: ClientRequestInfo,
  xff: XffRule,
): void {
  const tracked = res as TrackedResponse;
  if (!stats || tracked[CONN] !== undefined || res.destroyed) return;
  const id = stats.connHeld({
    type: 'http',
    peerAddress: statsPeerAddress(info.headers, info.peerAddress, xff),
    ssl: info.isTls,
    route: info.route.explicitId ? info.route.id : undefined,
  });
  tracked[CONN] = id;
  // `on`, not `once`: a shared listener without a wrapper per connection.
  res.on('close', closeListenerFor(stats));
}

/** The stats id of a held connection, if it has one. */
export function heldConnectionId(res: HeldEndpoint): string | undefined {
  return (res as TrackedResponse)[CONN];
}
